// Waiting in line. A full server (503 "busy", or a 503 from a proxy in front) is not a failure: the photo is kept
// and sent again by itself after the answer's Retry-After, each wait drawn at random between that floor and a ceiling
// that doubles with each try (at most TRY_MAX s), for at most LINE_MAX s after the first busy answer; then one tap
// sends it again. Over their own upload limit (429) a visitor is told when they may send again and gets the tap,
// never an automatic resend. hantei.js and album.js share it: line(form, resend, idle) -> {took(xhr), hide()}.
(function () {
  "use strict";
  var TRY_MAX = 30, LINE_MAX = 120;
  window.hanteiLine = function (form, resend, idle) {
    var box = form.querySelector('[data-role="line"]');
    var said = form.querySelector('[data-role="line-said"]');  // for screen readers: each state once
    if (!box || !said) return { took: function () { return false; }, hide: function () {} };
    var text = box.querySelector('[data-role="line-text"]');  // what is seen: the countdown ticks
    var again = box.querySelector('[data-role="retry"]');
    var words = box.dataset;
    var timer = null, tries = 0, since = 0;

    function wait(seconds) {
      if (seconds <= 1) return words.second;
      if (seconds <= 90) return words.seconds.replace("{n}", seconds);
      if (seconds <= 90 * 60) return words.minutes.replace("{n}", Math.ceil(seconds / 60));
      return words.hours.replace("{n}", Math.round(seconds / 3600));
    }
    function show(message, spoken) {
      box.classList.remove("d-none");
      form.classList.add("is-waiting");
      text.textContent = message;
      if (spoken) said.textContent = message;
    }
    function stop() { clearInterval(timer); timer = null; }
    function countdown(seconds, template, done) {
      var end = Date.now() + seconds * 1000;
      function tick() {
        var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        show(template.replace("{wait}", wait(Math.max(1, left))), false);
        if (!left) { stop(); done(); }
      }
      stop();
      again.classList.add("d-none");
      show(template.replace("{wait}", wait(seconds)), true);
      timer = setInterval(tick, 250);
    }
    function offer(message) {
      stop();
      show(message, true);
      again.onclick = function () { hide(); resend(); };  // the form's two scripts share the button: the last offer
      again.classList.remove("d-none");
      idle();
    }
    function hide() {
      stop();
      tries = since = 0;
      said.textContent = "";
      box.classList.add("d-none");
      again.classList.add("d-none");
      form.classList.remove("is-waiting");
    }
    // Leaving the page stops the wait; come back to it (the back button) and one tap sends the photo.
    window.addEventListener("pagehide", function () { if (timer) offer(words.gaveUp); });

    function took(xhr, code) {
      var after = parseInt(xhr.getResponseHeader("Retry-After"), 10);
      var floor = Math.min(Math.max(after >= 0 ? after : 5, 1), TRY_MAX);
      if (xhr.status === 429) {
        countdown(after >= 1 ? after : 60, words.limited, function () { offer(words.limitOver); });
        idle();
        return true;
      }
      if (xhr.status !== 503 || (code && code !== "busy")) return false;
      since = since || Date.now();
      var ceiling = Math.min(floor * Math.pow(2, ++tries), TRY_MAX);
      var seconds = Math.round(floor + Math.random() * (ceiling - floor));
      if ((Date.now() - since) / 1000 + seconds > LINE_MAX) { offer(words.gaveUp); return true; }
      countdown(seconds, words.waiting, function () { show(words.sending, true); resend(); });
      return true;
    }
    return { took: took, hide: hide };
  };
})();

// hantei upload forms (the upload page's and a result page's "try yours"): picking a photo starts judging at once,
// with a preview, shrinking big photos before upload, progress and a way to cancel and pick again.
// Without this script each form still posts as a plain multipart form with its own button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setup(form) {
    function part(role) { return form.querySelector('[data-role="' + role + '"]'); }
    var input = part("file");
    var zone = part("zone");
    var preview = part("preview");
    var fileName = part("name");
    var errorBox = document.querySelector('[data-role="error"]') || document.createElement("div");
    var busyBox = part("busy");
    var progress = part("progress");
    var bar = part("bar");
    var cancel = part("cancel");
    var submit = part("submit");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var longSide = parseInt(form.dataset.longSide, 10);
    var previewUrl = null;
    var xhr = null;
    var cancelled = false;
    var sent = null;  // the photo as last sent (shrunk already), kept to send again while the server is busy
    var line = window.hanteiLine(form, function () { busy(true); send(sent.blob, sent.name); }, function () { busy(false); });

    function showError(message) {
      if (!errorBox.parentNode && message) {
        errorBox.className = "alert alert-danger";
        errorBox.setAttribute("role", "alert");
        form.appendChild(errorBox);
      }
      errorBox.textContent = message;
      errorBox.classList.toggle("d-none", !message);
      if (message) errorBox.scrollIntoView({ block: "center" });
    }

    function looksLikeImage(file) {
      // HEIC from iPhones often comes with an empty type; the server decides by content anyway.
      // SVG is an image/* type but a document, not a photo: the server refuses it, so say so now.
      return !file.type || (file.type.indexOf("image/") === 0 && file.type !== "image/svg+xml");
    }

    // The server's limit counts the whole request body; leave room for the form's other fields.
    function fits(blob) { return blob.size <= maxBytes - 16384; }

    function showPreview(file) {
      if (!preview) return;
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = URL.createObjectURL(file);
      preview.src = previewUrl;
      preview.classList.remove("d-none");
      preview.onerror = function () { preview.classList.add("d-none"); };
    }

    function chosen() {
      var file = input.files && input.files[0];
      showError("");
      if (!file || input.files.length > 1) return;  // several photos make an album: album.js sends them
      if (fileName) fileName.textContent = file.name;
      if (!looksLikeImage(file)) { showError(form.dataset.msgNotImage); return; }
      showPreview(file);
      start(file);
    }

    // Shrink to the server's long side with the EXIF orientation applied; fall back to the file as it is.
    // Transparent parts go on white, as the server would put them; the smaller of the two files is sent.
    window.hanteiShrink = window.hanteiShrink || shrink;  // album.js shrinks each of several photos the same way

    function shrink(file) {
      if (!window.createImageBitmap || !file.type || file.type === "image/gif") return Promise.resolve(file);
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var scale = Math.min(1, longSide / Math.max(bitmap.width, bitmap.height));
        if (scale === 1 && fits(file)) { bitmap.close(); return file; }
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(bitmap.width * scale));
        canvas.height = Math.max(1, Math.round(bitmap.height * scale));
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.imageSmoothingQuality = "high";
        context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        bitmap.close();
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) {
            resolve(blob && (blob.size < file.size || !fits(file)) ? blob : file);
          }, "image/jpeg", 0.9);
        });
      }).catch(function () { return file; });
    }

    function busy(on) {
      form.classList.toggle("is-busy", on);
      if (submit) submit.disabled = on;
      if (busyBox) busyBox.classList.toggle("d-none", !on);
      if (on && busyBox) busyBox.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }

    function setProgress(fraction) {
      if (!bar) return;
      var percent = Math.round(fraction * 100);
      bar.style.width = percent + "%";
      progress.setAttribute("aria-valuenow", String(percent));
    }

    function send(blob, name) {
      sent = { blob: blob, name: name };
      var data = new FormData(form);
      data.set("image", blob, name);
      xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) setProgress(event.loaded / event.total);
      };
      xhr.onload = function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (xhr.status < 300 && answer && answer.url) { window.location.assign(answer.url); return; }
        if (line.took(xhr, answer && answer.error && answer.error.code)) { setProgress(0); return; }
        busy(false);
        showError(answer && answer.error ? answer.error.message : form.dataset.msgFailed);
      };
      xhr.onerror = function () { busy(false); showError(form.dataset.msgFailed); };
      setProgress(0.02);
      xhr.send(data);
    }

    function start(file) {
      cancelled = false;
      line.hide();
      busy(true);
      shrink(file).then(function (blob) {
        if (cancelled) return;
        if (!fits(blob)) { busy(false); showError(form.dataset.msgTooLarge); return; }
        send(blob, blob === file ? file.name : "photo.jpg");
      });
    }

    input.addEventListener("change", chosen);

    // A judge's card on the home page: the tap chooses that judge (its radio button) and opens the photo picker.
    Array.prototype.forEach.call(form.querySelectorAll("[data-pick-judge]"), function (card) {
      card.addEventListener("click", function (event) {
        if (form.classList.contains("is-busy")) { event.preventDefault(); return; }
        var radio = document.getElementById(card.htmlFor);
        if (radio) radio.checked = true;
        input.click();
      });
    });

    if (cancel) {
      cancel.addEventListener("click", function () {
        cancelled = true;
        line.hide();
        if (xhr) { xhr.onload = xhr.onerror = null; xhr.abort(); xhr = null; }
        busy(false);
        input.value = "";
        if (preview) preview.classList.add("d-none");
        if (fileName) fileName.textContent = "";
        input.click();
      });
    }

    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (!file || !window.FormData || !window.XMLHttpRequest) return;
      event.preventDefault();
      if (!looksLikeImage(file)) { showError(form.dataset.msgNotImage); return; }
      start(file);
    });

    if (!zone) return;
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("is-dragging"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("is-dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        chosen();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), setup);
})();

// Every page registers hantei's service worker (installable, offline page); the site works the same without it.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js", { scope: "/" }); });
  }
})();
