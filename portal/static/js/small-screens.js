/*
 * Folds (macros/fold.html) open on wide screens in browsers where CSS cannot show a closed
 * <details> element's content (no ::details-content). Everywhere else small-screens.css does
 * it and this script does nothing. CSP-safe; runs again after each boosted navigation.
 */
(function () {
  "use strict";

  if (window.clearpathFolds) return;
  window.clearpathFolds = true;
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
