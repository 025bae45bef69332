// The cashier desk's keyboard and focus helpers. No inline handlers: the CSP
// allows scripts from this origin only, so everything hangs off data attributes.
(function () {
  "use strict";
  // What a scanner gun types: a card QR token, a card number, a receipt number.
  var scanLike = /^(SC\d*:\S+|8\d{9}|[PT]\d{8})$/i;

  function scanBox() { return document.getElementById("scan"); }

  // After htmx swaps a form in, put the cursor where the server says the
  // cashier will type next (data-focus on the form, or data-focus-me).
  function focusNext() {
    var f = document.querySelector("#action [data-focus]");
    var el = null;
    if (f) el = document.getElementById(f.getAttribute("data-focus"));
    if (!el) el = document.querySelector("#action [data-focus-me]");
    if (el && !el.disabled) {
      el.focus();
      if (el.select && el.tagName === "INPUT") el.select();
    }
  }
  document.addEventListener("htmx:afterSettle", focusNext);
  document.addEventListener("DOMContentLoaded", focusNext);

  // A new member came up from the scan box: clear it for the next scan.
  document.addEventListener("htmx:afterRequest", function (e) {
    var s = scanBox();
    if (s && e.detail && e.detail.elt && e.detail.elt.classList && e.detail.elt.classList.contains("scan") && e.detail.successful) {
      s.value = "";
    }
  });

  document.addEventListener("keydown", function (e) {
    var s = scanBox();
    // A scan typed into another field belongs in the scan box.
    if (e.key === "Enter" && s && e.target !== s && e.target.tagName === "INPUT" && scanLike.test(e.target.value.trim()) && e.target.name !== "no") {
      e.preventDefault();
      s.value = e.target.value.trim();
      e.target.value = "";
      s.form.requestSubmit();
      return;
    }
    if (e.key === "Escape" && s) {
      e.preventDefault();
      s.focus();
      s.select();
      return;
    }
    var keys = { F2: "F2", F3: "F3", F4: "F4" };
    if (keys[e.key]) {
      var tab = document.querySelector('.tabs a[data-key="' + e.key + '"]');
      if (tab) {
        e.preventDefault();
        tab.click();
      }
    }
  });

  // "Add a line" copies the last purchase line, emptied.
  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-add-line]");
    if (add) {
      var body = document.getElementById("lines");
      if (!body || !body.lastElementChild) return;
      var row = body.lastElementChild.cloneNode(true);
      row.querySelectorAll("input").forEach(function (i) { i.value = ""; i.removeAttribute("id"); i.removeAttribute("aria-invalid"); });
      row.querySelectorAll(".field-error").forEach(function (x) { x.remove(); });
      body.appendChild(row);
      var first = row.querySelector("input[name=amt]");
      if (first) first.focus();
      return;
    }
    if (e.target.closest("[data-print]")) window.print();
  });

  // Receipt paper width.
  document.addEventListener("change", function (e) {
    if (!e.target.matches("[data-paper]")) return;
    var r = document.getElementById("receipt");
    if (r) r.className = "receipt w" + e.target.value;
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-autoprint]")) setTimeout(function () { window.print(); }, 300);
  });
})();
