/*
 * Recovery codes: "Print" and "Copy" buttons (hidden until this script shows them; the
 * download link works without it). CSP-safe: no inline code; loaded with the page's nonce.
 */
(function () {
  "use strict";

  function codesText(id) {
    var list = document.getElementById(id);
    if (!list) return "";
    return Array.prototype.map.call(list.querySelectorAll("code"), function (code) {
      return code.textContent.trim();
    }).join("\n") + "\n";
  }

  function start() {
    var copied = document.querySelector("[data-copied]");
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(codesText(button.getAttribute("data-copy"))).then(
          function () { if (copied) copied.textContent = "Copied."; },
          function () { if (copied) copied.textContent = "Copying failed; select them by hand."; });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:load", start);
})();
