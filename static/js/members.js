// Member pages: the print button of the class card sheet.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-print]");
    if (el) window.print();
  });
})();
