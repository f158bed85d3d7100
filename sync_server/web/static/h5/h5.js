/* The resident pages: photos shrunk in the browser before upload (a long side of at most
   1280 px, JPEG 0.72: a 2G link carries ~150 KB instead of several MB, and the camera's
   metadata is not sent), each photo sent in 64 KiB chunks that resume after a cut (like the desktop's
   photo upload: the server says how much arrived, the browser continues from there), the
   report filed once its photos are in, and the browser's position when the resident allows
   it. Without this script the form still posts its photos the plain way. */
(function () {
  "use strict";
  var MAX_SIDE = 1280, QUALITY = 0.72, RETRIES = 40;

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

  function pause(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  /* One request; a refusal (4xx/5xx other than a lost offset) becomes an Error with the
     server's Chinese message; a network failure rejects as a TypeError (retried). */
  async function call(method, url, csrf, body) {
    var res = await fetch(url, {method: method, body: body, credentials: "same-origin",
                                headers: {"X-CSRF-Token": csrf}});
    if (res.redirected) {  /* the sign-in lapsed: the pages send the browser to sign in */
      var out = new Error("登录已过期，请重新登录后再提交");
      out.refused = true;
      throw out;
    }
    var data = {};
    try { data = await res.json(); } catch (e) { data = {}; }
    if (res.ok || res.status === 409 && typeof data.received === "number") { return data; }
    var err = new Error(data.message || "上传失败（" + res.status + "），请稍后重试");
    err.refused = res.status < 500;
    throw err;
  }

  /* Sends one photo in chunks; after a cut waits, asks how much arrived and continues. */
  async function upload(file, csrf, chunk, progress) {
    var failures = 0, state = null, offset = 0;
    for (;;) {
      try {
        if (!state) {
          state = await call("POST", "/h5/uploads?size=" + file.size, csrf);
        } else if (offset < 0) {
          offset = (await call("GET", "/h5/uploads/" + state.id, csrf)).received;
        }
        if (offset >= file.size) { return state.id; }
        var answer = await call("PUT", "/h5/uploads/" + state.id + "?offset=" + offset, csrf,
                                file.slice(offset, offset + chunk));
        offset = answer.received;
        failures = 0;
        progress(offset);
      } catch (e) {
        if (e.refused || ++failures > RETRIES) { throw e; }
        progress(null);
        await pause(Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
        offset = -1;  /* ask where to continue */
      }
    }
  }

  async function post(form, note) {
    for (var failures = 0; ; failures++) {
      try {
        return await fetch(form.action, {method: "POST", body: new FormData(form),
                                         credentials: "same-origin",
                                         headers: {"X-H5-Fetch": "1"}});
      } catch (e) {
        if (failures >= RETRIES) { throw e; }
        note.textContent = "网络中断，正在重新提交…";
        await pause(Math.min(30000, 1000 * Math.pow(2, Math.min(failures + 1, 5))));
      }
    }
  }

  function setUp(form) {
    var picked = [];   /* shrunk photos not yet uploaded */
    var busy = false;
    var chunk = parseInt(form.getAttribute("data-chunk") || "65536", 10);
    function el(id) { return document.getElementById(id); }

    form.addEventListener("change", function (e) {
      var input = e.target;
      if (input.type !== "file") { return; }
      var note = el("photo-note");
      var max = parseInt(input.getAttribute("data-max") || "3", 10);
      if (input.files.length > max) {
        note.textContent = "最多选择 " + max + " 张照片，已保留前 " + max + " 张";
      }
      var files = Array.prototype.slice.call(input.files, 0, max);
      picked = [];
      if (!files.length) { return; }
      form.querySelectorAll("input[name=upload]").forEach(function (u) { u.remove(); });
      busy = true;
      note.textContent = "正在压缩照片…";
      Promise.all(files.map(shrink)).then(function (small) {
        var total = 0;
        small.forEach(function (f) { total += f.size; });
        picked = small;
        note.textContent = "已选择 " + small.length + " 张照片，共 " + Math.ceil(total / 1024) + " KB";
        busy = false;
      });
    });

    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      var note = el("photo-note");
      if (busy) { note.textContent = "照片还在压缩，请稍候再提交"; return; }
      var submit = form.querySelector("button[type=submit]");
      var input = form.querySelector("input[type=file]");
      var bar = el("upload-progress");
      var csrf = form.querySelector("input[name=csrf_token]").value;
      submit.disabled = true;
      try {
        var total = 0, before = 0;
        picked.forEach(function (f) { total += f.size; });
        for (var i = 0; i < picked.length; i++) {
          var f = picked[i];
          bar.hidden = false;
          var id = await upload(f, csrf, chunk, function (at) {
            if (at === null) { note.textContent = "网络中断，正在等待重新连接后继续上传…"; return; }
            bar.value = Math.round(100 * (before + at) / total);
            note.textContent = "正在上传第 " + (i + 1) + " 张照片（共 " + picked.length + " 张）… " + bar.value + "%";
          });
          before += f.size;
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = "upload"; hidden.value = id;
          form.appendChild(hidden);
        }
        picked = [];
        input.value = "";   /* the photos went up already: the form carries their uploads */
        if (total) { note.textContent = "照片已上传，正在提交…"; }
        var res = await post(form, note);
        if (res.redirected) { window.location.assign(res.url); return; }  /* signed out */
        if (res.ok) { window.location.assign((await res.json()).location); return; }
        /* refused: show the page's answer (messages beside the fields) in place */
        var doc = new DOMParser().parseFromString(await res.text(), "text/html");
        var fresh = doc.getElementById("report-form");
        if (!fresh) { document.body.innerHTML = doc.body.innerHTML; return; }
        form.innerHTML = fresh.innerHTML;
        var first = form.querySelector(".error");
        if (first) { first.scrollIntoView({block: "center"}); }
      } catch (err) {
        el("photo-note").textContent = err.message || "网络不稳定，请稍后再提交";
      } finally {
        var button = form.querySelector("button[type=submit]");
        if (button) { button.disabled = false; }
      }
    });

    form.addEventListener("click", function (e) {
      if (!e.target || e.target.id !== "locate") { return; }
      var locNote = el("locate-note");
      locNote.textContent = "正在获取位置…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        el("f-lat").value = pos.coords.latitude.toFixed(6);
        el("f-lon").value = pos.coords.longitude.toFixed(6);
        locNote.textContent = "已获取当前位置（" + pos.coords.latitude.toFixed(5) + "，" +
          pos.coords.longitude.toFixed(5) + "），将按位置归入所在网格";
      }, function () {
        locNote.textContent = "未能获取位置，请选择村/社区并填写地址";
      }, {enableHighAccuracy: true, timeout: 10000});
    });
    if (!navigator.geolocation) { el("locate").hidden = true; }
  }

  /* a file picker outside the 随手拍 form says which files are chosen (the browser's own
     button is hidden: it speaks the phone's language, not the page's) */
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input || input.type !== "file" || !input.classList.contains("picker")) { return; }
    var note = document.getElementById("n-" + input.name);
    if (!note) { return; }
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    note.textContent = names.length ? "已选择：" + names.join("、") : "未选择文件";
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (form) { setUp(form); }
  });
})();
