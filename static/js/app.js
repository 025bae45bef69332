// StarCard's small shared script. No inline handlers: the CSP allows only
// scripts from this origin, so behaviour hangs off data attributes here.
(function () {
  "use strict";
  // Inputs marked data-keep-focus take focus back whenever nothing else needs
  // it, so a USB scanner gun always types into them.
  function keepFocus() {
    var el = document.querySelector("[data-keep-focus]");
    if (!el) return;
    var a = document.activeElement;
    if (a && a !== document.body && a !== el && a.tagName !== "BODY") return;
    el.focus();
  }
  document.addEventListener("DOMContentLoaded", keepFocus);
  document.addEventListener("htmx:afterSettle", keepFocus);
  document.addEventListener("click", function () { setTimeout(keepFocus, 0); });
})();
