// hantei result page: the phone's own share sheet (Web Share API) and copy-link; no third-party script.
// Without this script the X and LINE links and the selectable link field still work.
(function () {
  "use strict";
  var section = document.getElementById("share");
  if (!section) return;
  var data = { title: section.dataset.title, text: section.dataset.text, url: section.dataset.url };
  var native = document.getElementById("share-native");
  var copy = document.getElementById("copy-link");
  var field = document.getElementById("share-url");
  var status = document.getElementById("copy-status");

  if (navigator.share && (!navigator.canShare || navigator.canShare(data))) {
    native.classList.remove("d-none");
    native.addEventListener("click", function () {
      navigator.share(data).catch(function () { /* the visitor closed the sheet */ });
    });
  }

  function copied() { status.textContent = copy.dataset.copied; }

  copy.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(copied, function () { field.select(); });
      return;
    }
    field.focus();
    field.select();
    try { if (document.execCommand("copy")) copied(); } catch (e) { /* the field stays selected to copy by hand */ }
  });

  // The delete link is shown once: selecting it whole on tap makes it easy to keep.
  var deleteUrl = document.getElementById("delete-url");
  [field, deleteUrl].forEach(function (input) {
    if (input) input.addEventListener("focus", function () { input.select(); });
  });
})();
