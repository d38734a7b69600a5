// Registers hantei's service worker (installable, offline page); the site works the same without it.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js", { scope: "/" }); });
  }
})();
