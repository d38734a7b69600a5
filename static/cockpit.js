// The cockpit's photo forms send themselves once photos are taken or picked (one tap fewer on a phone); without
// JavaScript their own submit buttons do it.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("input[data-autosubmit]"), function (input) {
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) return;
      var label = document.querySelector("label[for='" + input.id + "']");
      if (label && input.dataset.busy) label.textContent = input.dataset.busy;
      if (label) label.classList.add("admin-sending");
      input.form.submit();
    });
  });
})();
