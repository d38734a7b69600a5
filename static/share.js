// hantei result page: the phone's own share sheet (Web Share API), copy buttons, and the page's own address back
// after a reveal; no third-party script. Without this script the X and LINE links and the link fields still work.
(function () {
  "use strict";
  var section = document.getElementById("share");
  if (!section) return;
  var data = { title: section.dataset.title, text: section.dataset.text, url: section.dataset.url };
  var native = document.getElementById("share-native");
  var status = document.getElementById("copy-status");

  // A revealed photo is shown by a POST to /r/<id>/reveal: put the result's own address back in the bar.
  if (/\/reveal$/.test(window.location.pathname) && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname.replace(/\/reveal$/, "") + window.location.search);
  }

  if (navigator.share && (!navigator.canShare || navigator.canShare(data))) {
    native.classList.remove("d-none");
    native.addEventListener("click", function () {
      navigator.share(data).catch(function () { /* the visitor closed the sheet */ });
    });
  }

  function copier(button, field, done) {
    if (!button || !field) return;
    button.addEventListener("click", function () {
      function copied() { done(button.dataset.copied); }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, function () { field.select(); });
        return;
      }
      field.focus();
      field.select();
      try { if (document.execCommand("copy")) copied(); } catch (e) { /* the field stays selected to copy by hand */ }
    });
    field.addEventListener("focus", function () { field.select(); });
  }

  copier(document.getElementById("copy-link"), document.getElementById("share-url"),
         function (said) { status.textContent = said; });
  var copyDelete = document.getElementById("copy-delete");
  copier(copyDelete, document.getElementById("delete-url"), function (said) { copyDelete.textContent = said; });
})();
