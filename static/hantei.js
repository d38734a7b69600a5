// hantei upload page: preview, drag & drop, shrink big photos before upload, progress, busy state.
// Without this script the form still posts as a plain multipart form.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("image");
  var zone = document.getElementById("drop-zone");
  var preview = document.getElementById("preview");
  var fileName = document.getElementById("file-name");
  var errorBox = document.getElementById("upload-error");
  var progress = document.getElementById("progress");
  var bar = document.getElementById("progress-bar");
  var submit = document.getElementById("submit");
  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  var longSide = parseInt(form.dataset.longSide, 10);
  var previewUrl = null;

  function showError(message) {
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

  function chosen() {
    var file = input.files && input.files[0];
    showError("");
    if (!file) return;
    fileName.textContent = file.name;
    if (!looksLikeImage(file)) { showError(form.dataset.msgNotImage); return; }
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(file);
    preview.src = previewUrl;
    preview.classList.remove("d-none");
    preview.onerror = function () { preview.classList.add("d-none"); };
    preview.onload = function () { submit.scrollIntoView({ block: "end", behavior: "smooth" }); };
  }

  // Shrink to the server's long side with the EXIF orientation applied; fall back to the file as it is.
  // Transparent parts go on white, as the server would put them; the smaller of the two files is sent.
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

  window.hanteiShrink = shrink;  // album.js shrinks each of several photos the same way

  function busy(on) {
    submit.disabled = on;
    if (on) { submit.dataset.idle = submit.textContent; submit.textContent = submit.dataset.busy; }
    else if (submit.dataset.idle) { submit.textContent = submit.dataset.idle; }
    progress.classList.toggle("d-none", !on);
  }

  function setProgress(fraction) {
    var percent = Math.round(fraction * 100);
    bar.style.width = percent + "%";
    progress.setAttribute("aria-valuenow", String(percent));
  }

  function send(blob, name) {
    var data = new FormData(form);
    data.set("image", blob, name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) setProgress(event.loaded / event.total);
    };
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status < 300 && answer && answer.url) { window.location.assign(answer.url); return; }
      busy(false);
      showError(answer && answer.error ? answer.error.message : form.dataset.msgFailed);
    };
    xhr.onerror = function () { busy(false); showError(form.dataset.msgFailed); };
    setProgress(0);
    xhr.send(data);
  }

  input.addEventListener("change", chosen);

  form.addEventListener("submit", function (event) {
    var file = input.files && input.files[0];
    if (!file || !window.FormData || !window.XMLHttpRequest) return;
    event.preventDefault();
    if (!looksLikeImage(file)) { showError(form.dataset.msgNotImage); return; }
    busy(true);
    shrink(file).then(function (blob) {
      if (!fits(blob)) { busy(false); showError(form.dataset.msgTooLarge); return; }
      send(blob, blob === file ? file.name : "photo.jpg");
    });
  });

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
})();

// Every page registers hantei's service worker (installable, offline page); the site works the same without it.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js", { scope: "/" }); });
  }
})();
