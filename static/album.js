// Several photos at once: each shrunk in the browser (as one photo is), shown with its own progress, then posted
// together; the server answers with the album's address. One photo is left to hantei.js.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var input = document.getElementById("image");
  if (!form || !input || !window.FormData || !window.XMLHttpRequest) return;
  var errorBox = document.getElementById("upload-error");
  var submit = document.getElementById("submit") || document.createElement("button");  // no-JS pages alone have it
  var maxPhotos = parseInt(form.dataset.maxPhotos || "10", 10);
  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  var list = document.createElement("ol");
  list.className = "upload-list";
  list.id = "upload-list";
  list.setAttribute("aria-live", "polite");
  input.parentNode.appendChild(list);

  function showError(message) {
    errorBox.textContent = message;
    errorBox.classList.toggle("d-none", !message);
  }

  function rows() {
    list.textContent = "";
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length < 2) return [];
    return files.map(function (file) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      item.appendChild(name);
      item.appendChild(bar);
      list.appendChild(item);
      return bar;
    });
  }

  input.addEventListener("change", function () {
    line.hide();  // a new pick ends any wait for the last one
    rows();
    if (input.files && input.files.length > maxPhotos) showError(form.dataset.msgTooMany);
  });

  function shrinkAll(files, bars) {
    var shrink = window.hanteiShrink || function (file) { return Promise.resolve(file); };
    var done = [];
    return files.reduce(function (chain, file, n) {
      return chain.then(function () {
        return shrink(file).then(function (blob) {
          bars[n].value = 10;  // shrunk: ready to send
          done.push({ blob: blob, name: blob === file ? file.name : "photo-" + (n + 1) + ".jpg" });
        });
      });
    }, Promise.resolve()).then(function () { return done; });
  }

  // A full server sends the whole album again (it kept none of it); album.js shows the wait as hantei.js does.
  var line = window.hanteiLine ? window.hanteiLine(form, function () { resend(); }, function () { submit.disabled = false; })
    : { took: function () { return false; }, hide: function () {} };
  var resend = function () {};

  function send(parts, bars) {
    resend = function () { submit.disabled = true; send(parts, bars); };
    bars.forEach(function (bar) { bar.value = 10; });
    var data = new FormData(form);
    data.delete("image");
    parts.forEach(function (part) { data.append("image", part.blob, part.name); });
    var ends = [], total = 0;
    parts.forEach(function (part) { total += part.blob.size; ends.push(total); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      var sent = event.loaded / event.total * total;
      bars.forEach(function (bar, n) {
        var start = n ? ends[n - 1] : 0;
        var part = Math.max(0, Math.min(1, (sent - start) / (ends[n] - start || 1)));
        bar.value = 10 + Math.round(part * 90);
      });
    };
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status < 300 && answer && answer.url) { window.location.assign(answer.url); return; }
      if (line.took(xhr, answer && answer.error && answer.error.code)) return;
      submit.disabled = false;
      showError(answer && answer.error ? answer.error.message : form.dataset.msgFailed);
    };
    xhr.onerror = function () { submit.disabled = false; showError(form.dataset.msgFailed); };
    xhr.send(data);
  }

  // Picking several photos sends them at once (as picking one does in hantei.js); so does the no-JS button.
  input.addEventListener("change", function () {
    if (input.files && input.files.length > 1) sendAll();
  });

  // Runs before hantei.js's own submit handler (capture on the document), and only for several photos.
  document.addEventListener("submit", function (event) {
    if (event.target !== form || !input.files || input.files.length < 2) return;
    event.preventDefault();
    event.stopPropagation();
    sendAll();
  }, true);

  function sendAll() {
    var files = Array.prototype.slice.call(input.files);
    if (files.length > maxPhotos) { showError(form.dataset.msgTooMany); return; }
    showError("");
    line.hide();
    submit.disabled = true;
    var bars = rows();
    shrinkAll(files, bars).then(function (parts) {
      var big = parts.filter(function (part) { return part.blob.size > maxBytes - 16384; });
      if (big.length) { submit.disabled = false; showError(form.dataset.msgTooLarge); return; }
      send(parts, bars);
    });
  }
})();
