// The parent portal's service worker (served at /portal/sw.js, scope
// /portal/). It keeps the last member card page and its QR image, with the
// balances and the time they were fetched printed on the page, so the card
// still opens at the school gate without signal. Card pages are network
// first with a short timeout (a slow network falls back to the saved copy
// and refreshes it in the background); static files are served from the
// cache and refreshed behind. Nothing else is stored: logging out clears it.
"use strict";
var CACHE = "starcard-portal-v1";
var LAST = "/portal/__last-card";
var SHELL = [
  "/static/vendor/pico-2.1.1.min.css", "/static/css/app.css", "/static/css/portal.css",
  "/static/vendor/htmx-2.0.11.min.js", "/static/js/app.js", "/static/js/portal.js", "/portal/icons/192.png"
];
var CARD_PAGE = /^\/portal\/kids\/\d+\/card$/;
var CARD_IMG = /^\/portal\/kids\/\d+\/card\.png$/;
var TIMEOUT_MS = 4000;

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); })
    .catch(function () {}).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("starcard-portal") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (e) {
  if (e.data === "logout") e.waitUntil(caches.delete(CACHE));
});

function saveCard(req, res, isPage) {
  if (!res || !res.ok || res.redirected) return;
  var copy = res.clone();
  caches.open(CACHE).then(function (c) {
    c.put(req, copy.clone());
    if (isPage) c.put(LAST, copy);
  });
}

function fromCache(req) {
  return caches.match(req, { ignoreSearch: true }).then(function (hit) {
    return hit || caches.match(LAST);
  });
}

// networkFirst answers from the network when it answers in time, else from
// the saved copy; a late network answer still refreshes the copy.
function networkFirst(req, isPage) {
  return new Promise(function (resolve) {
    var settled = false;
    var fallback = function () {
      if (settled) return;
      fromCache(req).then(function (hit) {
        if (hit && !settled) { settled = true; resolve(hit); }
      });
    };
    var timer = setTimeout(fallback, TIMEOUT_MS);
    fetch(req).then(function (res) {
      clearTimeout(timer);
      saveCard(req, res, isPage);
      if (!settled) { settled = true; resolve(res); }
    }).catch(function () {
      clearTimeout(timer);
      fromCache(req).then(function (hit) {
        if (settled) return;
        settled = true;
        resolve(hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } }));
      });
    });
  });
}

function staleWhileRevalidate(req) {
  return caches.open(CACHE).then(function (c) {
    return c.match(req).then(function (hit) {
      var net = fetch(req).then(function (res) { if (res.ok) c.put(req, res.clone()); return res; });
      return hit || net;
    });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (CARD_PAGE.test(url.pathname)) { e.respondWith(networkFirst(req, true)); return; }
  if (CARD_IMG.test(url.pathname)) { e.respondWith(networkFirst(req, false)); return; }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/portal/icons/192.png") {
    e.respondWith(staleWhileRevalidate(req));
    return;
  }
  // Any other portal page opened without signal (the home-screen icon
  // opens /portal/) shows the last card rather than the browser's error.
  if (req.mode === "navigate" && url.pathname.indexOf("/portal") === 0) {
    e.respondWith(fetch(req).catch(function () {
      return caches.match(LAST).then(function (hit) {
        return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    }));
  }
});
