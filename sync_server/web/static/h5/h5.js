/* The resident pages: photos shrunk in the browser before upload (a long side of at most
   1280 px, JPEG 0.72: a 2G link carries ~150 KB instead of several MB, and the camera's
   metadata is not sent), and the browser's position when the resident allows it. */
(function () {
  "use strict";
  var MAX_SIDE = 1280, QUALITY = 0.72;

  function shrink(file) {
    return createImageBitmap(file).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", {type: "image/jpeg"}));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });  /* not decodable here: the server says why */
  }

  function setUp(form) {
    var input = form.querySelector("input[type=file]");
    var note = document.getElementById("photo-note");
    var max = parseInt(input.getAttribute("data-max") || "3", 10);
    var busy = false;
    input.addEventListener("change", function () {
      if (input.files.length > max) {
        note.textContent = "最多选择 " + max + " 张照片，已保留前 " + max + " 张";
      }
      var files = Array.prototype.slice.call(input.files, 0, max);
      if (!files.length || typeof DataTransfer === "undefined") { return; }
      busy = true;
      note.textContent = "正在压缩照片…";
      Promise.all(files.map(shrink)).then(function (small) {
        var dt = new DataTransfer();
        var total = 0;
        small.forEach(function (f) { dt.items.add(f); total += f.size; });
        input.files = dt.files;
        note.textContent = "已选择 " + small.length + " 张照片，共 " + Math.ceil(total / 1024) + " KB";
        busy = false;
      });
    });
    form.addEventListener("submit", function (e) {
      if (busy) { e.preventDefault(); note.textContent = "照片还在压缩，请稍候再提交"; }
    });
    var locate = document.getElementById("locate");
    var locNote = document.getElementById("locate-note");
    if (!navigator.geolocation) { locate.hidden = true; return; }
    locate.addEventListener("click", function () {
      locNote.textContent = "正在获取位置…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("f-lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("f-lon").value = pos.coords.longitude.toFixed(6);
        locNote.textContent = "已获取当前位置（仍请选择村/社区）";
      }, function () {
        locNote.textContent = "未能获取位置，请选择村/社区并填写地址";
      }, {enableHighAccuracy: true, timeout: 10000});
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (form) { setUp(form); }
  });
})();
