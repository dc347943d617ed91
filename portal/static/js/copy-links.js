/*
 * Feed links: a "Copy" button beside each read-only link field (hidden until this script
 * shows it; without it, the field can be selected and copied by hand). CSP-safe: no inline
 * code; loaded with the page's nonce; runs again after htmx swaps the section in.
 */
(function () {
  "use strict";

  function start() {
    if (!navigator.clipboard) return;
    var copied = document.querySelector("#feed-links [data-copied]");
    document.querySelectorAll("[data-copy-from]").forEach(function (button) {
      if (button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-copy-from"));
        if (!field) return;
        navigator.clipboard.writeText(field.value).then(
          function () { if (copied) copied.textContent = "Link copied."; },
          function () {
            field.select();
            if (copied) copied.textContent = "Copying failed; the link is selected: copy it by hand.";
          });
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
