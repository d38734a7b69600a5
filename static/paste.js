// On a desktop, pasting an image (a screenshot with Ctrl+V / Cmd+V) selects it, as choosing or dropping it does.
(function () {
  "use strict";
  var input = document.getElementById("image");
  if (!input || !window.DataTransfer) return;
  document.addEventListener("paste", function (event) {
    var target = event.target;
    if (target && (target.tagName === "INPUT" && target.type === "text" || target.tagName === "TEXTAREA")) return;
    var items = (event.clipboardData && event.clipboardData.items) || [];
    var picked = new DataTransfer();
    for (var n = 0; n < items.length; n++) {
      if (items[n].kind === "file" && items[n].type.indexOf("image/") === 0) {
        var file = items[n].getAsFile();
        if (file) picked.items.add(new File([file], file.name || "pasted.png", { type: file.type }));
      }
    }
    if (!picked.files.length) return;
    event.preventDefault();
    input.files = picked.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
