// The check-in kiosk: camera scanning with qr-scanner, the scanner-gun
// input (kept focused by app.js), a sound for each answer and the return
// to the ready screen. No inline script: the CSP allows only this origin.
(function () {
  "use strict";
  var RESET_MS = 6000;     // the result stays this long, then back to scanning
  var SAME_CODE_MS = 4000; // the camera sees one card many times a second

  var form, input, result, idleHTML, resetTimer, audio;
  var lastCode = "", lastAt = 0;

  // Sounds are generated, not downloaded: a rising chime for success, one
  // soft tone for "already checked in", a low double buzz for a refusal.
  function tone(freqs, type, step, gain) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      var t = audio.currentTime;
      freqs.forEach(function (f, i) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.type = type;
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, t + i * step);
        g.gain.exponentialRampToValueAtTime(gain, t + i * step + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t + (i + 1) * step);
        o.connect(g).connect(audio.destination);
        o.start(t + i * step);
        o.stop(t + (i + 1) * step + 0.05);
      });
    } catch (e) { /* no audio: the screen still says it */ }
  }
  function sound(kind) {
    if (kind === "ok" || kind === "out") tone([880, 1175, 1568], "sine", 0.12, 0.3);
    else if (kind === "dup") tone([988], "sine", 0.25, 0.25);
    else if (kind === "err") tone([220, 180], "square", 0.22, 0.15);
  }

  function submit(code) {
    var now = Date.now();
    if (code === lastCode && now - lastAt < SAME_CODE_MS) return;
    lastCode = code; lastAt = now;
    input.value = code;
    if (window.htmx) window.htmx.trigger(form, "submit"); else form.submit();
  }

  function backToReady() {
    result.innerHTML = idleHTML;
    input.value = "";
    input.focus();
  }

  function startCamera() {
    var video = document.getElementById("kiosk-video");
    var hint = document.getElementById("camera-hint");
    function off() { hint.textContent = hint.getAttribute("data-off"); hint.classList.add("off"); }
    if (!window.QrScanner || !navigator.mediaDevices || !window.isSecureContext) { off(); return; }
    var scanner = new window.QrScanner(video, function (r) { submit((r && r.data) || ""); },
      { returnDetailedScanResult: true, preferredCamera: "environment", maxScansPerSecond: 8,
        highlightScanRegion: true, highlightCodeOutline: true });
    scanner.start().then(function () { hint.classList.add("hidden"); }).catch(off);
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("scan-form");
    input = document.getElementById("scan-code");
    result = document.getElementById("result");
    if (!form || !input || !result) return;
    idleHTML = result.querySelector(".kiosk-result.idle") ? result.innerHTML :
      '<div class="kiosk-result idle" data-kind="idle"><div class="result-icon" aria-hidden="true">☺</div><div class="result-msg"></div></div>';
    if (!result.querySelector(".kiosk-result.idle")) {
      var tmp = document.createElement("div");
      tmp.innerHTML = idleHTML;
      tmp.querySelector(".result-msg").textContent = result.getAttribute("data-idle-text");
      idleHTML = tmp.innerHTML;
    }
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target !== result) return;
      var r = result.querySelector("[data-kind]");
      var kind = r ? r.getAttribute("data-kind") : "";
      sound(kind);
      input.value = "";
      clearTimeout(resetTimer);
      resetTimer = setTimeout(backToReady, RESET_MS);
    });
    // Scanner guns type fast and end with Enter; the form submits itself.
    startCamera();
  });
})();
