/*
 * Folds (macros/fold.html).
 * - Filters: the summary's "(n active)" follows the form as the person changes it (under htmx
 *   only the results are swapped, so the server's count would go stale). A control counts
 *   when its value differs from its default in data-filter-defaults, as filters_set counts.
 * - Wide screens: where CSS cannot show a closed <details> element's content (no
 *   ::details-content), the folds are opened here instead.
 * - The console's Administration menu (a dropdown on wide screens) closes on a click
 *   elsewhere and on Escape, which gives the focus back to its summary; on narrow screens,
 *   where its items continue the Menu's list, it is opened here if CSS cannot show them.
 * CSP-safe; loaded once per document (boosted navigation keeps it).
 */
(function () {
  "use strict";

  if (window.clearpathFolds) return;
  window.clearpathFolds = true;

  var wide = window.matchMedia("(min-width: 721px)");

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

  function openAdminMenus() {
    return document.querySelectorAll("details.nav-admin-menu[open]");
  }

  document.addEventListener("click", function (event) {
    openAdminMenus().forEach(function (menu) {
      if (!menu.contains(event.target) && wide.matches) menu.open = false;
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !wide.matches) return;
    openAdminMenus().forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });

  if (window.CSS && CSS.supports && CSS.supports("selector(::details-content)")) return;

  function openOnWideScreens() {
    var folds = wide.matches ? "details.fold:not([open])" : "details.nav-admin-menu:not([open])";
    document.querySelectorAll(folds).forEach(function (fold) {
      fold.open = true;
    });
  }

  document.addEventListener("DOMContentLoaded", openOnWideScreens);
  document.addEventListener("htmx:load", openOnWideScreens);
  wide.addEventListener("change", openOnWideScreens);
})();
