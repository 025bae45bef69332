// The parent portal's script: the service worker that keeps the last card
// for offline use, the offline notice on the card, keeping the screen on
// while the card shows, and a few small conveniences. No inline handlers:
// the CSP allows only scripts from this origin.
(function () {
  "use strict";
  var CACHE = "starcard-portal-v1";
  var state = document.body && document.body.getAttribute("data-portal");

  // Logged out (the login page): forget every offline copy, so the next
  // person to pick up this phone sees nothing of this family.
  if (state === "out") {
    if (window.caches) {
      caches.keys().then(function (keys) {
        keys.forEach(function (k) { if (k.indexOf("starcard-portal") === 0) caches.delete(k); });
      });
    }
  } else if (state === "in" && "serviceWorker" in navigator) {
    navigator.serviceWorker.register("/portal/sw.js", { scope: "/portal/" }).catch(function () {});
  }

  var card = document.querySelector("[data-card]");
  if (card) {
    var banner = card.querySelector("[data-offline]");
    var show = function () { if (banner) banner.hidden = navigator.onLine; };
    show();
    window.addEventListener("online", show);
    window.addEventListener("offline", show);
    // A page opened before the worker took control is stored here, so the
    // card works offline from the very first visit.
    if (window.caches && navigator.onLine && !(navigator.serviceWorker && navigator.serviceWorker.controller)) {
      var qr = card.getAttribute("data-qr");
      caches.open(CACHE).then(function (c) {
        var urls = [location.pathname];
        if (qr) urls.push(qr);
        return Promise.all(urls.map(function (u) {
          return fetch(u, { credentials: "same-origin" }).then(function (r) {
            if (r.ok && !r.redirected) {
              c.put(u, r.clone());
              if (u === location.pathname) c.put("/portal/__last-card", r);
            }
          });
        }));
      }).catch(function () {});
    }
    // Keep the screen on while a scanner reads the code.
    if (navigator.wakeLock && navigator.wakeLock.request) {
      var lock = function () { navigator.wakeLock.request("screen").catch(function () {}); };
      lock();
      document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") lock(); });
    }
  }

  // A form submits once: a second tap on a slow connection does nothing.
  document.addEventListener("submit", function (e) {
    var b = e.target.querySelector("[data-once]");
    if (!b) return;
    if (b.getAttribute("data-sent")) { e.preventDefault(); return; }
    b.setAttribute("data-sent", "1");
    b.setAttribute("aria-busy", "true");
  });

  // "Send a new code" waits a minute, counting down.
  var resend = document.querySelector("[data-resend]");
  if (resend) {
    var left = parseInt(resend.getAttribute("data-resend"), 10) || 60;
    var label = resend.textContent;
    resend.disabled = true;
    var tick = function () {
      if (left <= 0) { resend.disabled = false; resend.textContent = label; return; }
      resend.textContent = label + " (" + left + "s)";
      left--;
      setTimeout(tick, 1000);
    };
    tick();
  }

  // Copy the referral link.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-copy]");
    if (!b) return;
    var input = document.querySelector(b.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    var done = function () { b.textContent = b.getAttribute("data-copied"); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.hasAttribute && e.target.hasAttribute("data-select")) e.target.select();
  });
})();
