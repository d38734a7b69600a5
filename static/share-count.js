// hantei result page: counts a tap on any [data-share-target] button with a first-party beacon (no third party).
// The count holds only which button; the share itself works the same with or without this script.
(function () {
  "use strict";
  var section = document.querySelector("[data-share-count]");
  if (!section || !navigator.sendBeacon) return;
  var url = section.getAttribute("data-share-count");
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-share-target]") : null;
    if (!button) return;
    navigator.sendBeacon(url + "?to=" + encodeURIComponent(button.getAttribute("data-share-target")));
  }, true);
})();
