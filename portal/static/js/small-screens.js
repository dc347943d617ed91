/*
 * Folds (macros/fold.html).
 * - Filters: the summary's "(n active)" follows the form as the person changes it (under htmx
 *   only the results are swapped, so the server's count would go stale). A control counts
 *   when its value differs from its default in data-filter-defaults, as filters_set counts.
 * - Wide screens: where CSS cannot show a closed <details> element's content (no
 *   ::details-content), the folds are opened here instead.
 * CSP-safe; loaded once per document (boosted navigation keeps it).
 */
(function () {
  "use strict";

  if (window.clearpathFolds) return;
  window.clearpathFolds = true;

  function recount(event) {
    var fold = event.target.closest && event.target.closest("details.filter-fold");
    var count = fold && fold.querySelector(".fold-count");
    if (!count) return;
    var defaults = JSON.parse(fold.getAttribute("data-filter-defaults") || "{}");
    var active = 0;
    Object.keys(defaults).forEach(function (name) {
      var control = fold.querySelector('[name="' + name + '"]');
      if (control && control.value.trim() !== "" && control.value !== defaults[name]) active += 1;
    });
    count.textContent = active ? "(" + active + " active)" : "";
  }

  document.addEventListener("change", recount);
  document.addEventListener("input", recount);

  if (window.CSS && CSS.supports && CSS.supports("selector(::details-content)")) return;

  var wide = window.matchMedia("(min-width: 721px)");

  function openOnWideScreens() {
    if (!wide.matches) return;
    document.querySelectorAll("details.fold:not([open])").forEach(function (fold) {
      fold.open = true;
    });
  }

  document.addEventListener("DOMContentLoaded", openOnWideScreens);
  document.addEventListener("htmx:load", openOnWideScreens);
  wide.addEventListener("change", openOnWideScreens);
})();
