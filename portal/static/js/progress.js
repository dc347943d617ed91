/*
 * Progress where it takes time. CSP-safe (no eval, no inline code); loaded with the page's nonce.
 *
 * Busy buttons: a form whose submit button (or the form itself) has data-busy="Publishing…",
 * or a link with data-busy="Preparing the PDF…", is disabled the moment it is used and says
 * what is happening; a second click does nothing. The button comes back if the page is shown
 * again from the back/forward cache or an htmx request ends without replacing it, and a link
 * comes back after a few seconds (a cached PDF downloads without leaving the page).
 *
 * The progress page: an element with data-progress="<status URL>" polls that URL for JSON
 * ({state, elapsed_seconds, reason, ready_url, publication}) once a second and shows the
 * state (data-state on the element: queued, running, done, failed). When the PDF is ready it
 * starts the download by going to ready_url (an attachment: the page stays); a publication
 * goes to the review instead. Without JavaScript the page refreshes itself (<noscript> meta).
 */
(function () {
  "use strict";

  if (window.clearpathProgress) return;
  window.clearpathProgress = true;

  var POLL_MS = 1000;
  var LINK_RESTORE_MS = 6000;

  // ------------------------------------------------------------------ busy buttons

  function busyLabelOf(button, form) {
    return button.getAttribute("data-busy") || (form && form.getAttribute("data-busy"));
  }

  function setBusy(elt, label) {
    if (elt.getAttribute("aria-busy") === "true") return;
    elt.setAttribute("data-idle-label", elt.innerHTML);
    elt.setAttribute("aria-busy", "true");
    elt.classList.add("is-busy");
    elt.textContent = label;
    if (elt.tagName === "A") {
      elt.setAttribute("aria-disabled", "true");
    } else {
      elt.disabled = true;
    }
  }

  function setIdle(elt) {
    if (elt.getAttribute("aria-busy") !== "true") return;
    elt.innerHTML = elt.getAttribute("data-idle-label");
    elt.removeAttribute("aria-busy");
    elt.removeAttribute("aria-disabled");
    elt.classList.remove("is-busy");
    if (elt.tagName !== "A") elt.disabled = false;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter || form.querySelector("[type=submit]");
    if (!button) return;
    var label = busyLabelOf(button, form);
    if (!label) return;
    if (button.getAttribute("aria-busy") === "true") {
      event.preventDefault(); // a second click while the first is being answered
      return;
    }
    // After this turn: a button disabled now would leave the form data being collected.
    window.setTimeout(function () { setBusy(button, label); }, 0);
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-busy]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey ||
        event.ctrlKey || event.shiftKey || event.altKey) return;
    if (link.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    setBusy(link, link.getAttribute("data-busy"));
    window.setTimeout(function () { setIdle(link); }, LINK_RESTORE_MS);
  });

  function restoreAll() {
    document.querySelectorAll("[aria-busy=true].is-busy").forEach(setIdle);
  }

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) restoreAll();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && document.contains(elt)) {
      elt.querySelectorAll && elt.querySelectorAll("[aria-busy=true].is-busy").forEach(setIdle);
    }
  });

  // ------------------------------------------------------------------ the progress page

  var watched = new WeakSet();

  function part(box, name) {
    return box.querySelector("[data-progress-" + name + "]");
  }

  function show(box, status) {
    box.setAttribute("data-state", status.state);
    var elapsed = part(box, "elapsed");
    if (elapsed) {
      elapsed.textContent = status.elapsed_seconds === null ? "" :
        " (" + status.elapsed_seconds + " s so far)";
    }
    var message = part(box, "message");
    var ready = part(box, "ready");
    var link = part(box, "link");
    if (status.state === "done") {
      if (link) link.setAttribute("href", status.ready_url);
      if (ready) ready.hidden = false;
      if (message) {
        message.textContent = status.publication ?
          "Published. Taking you back to the review…" :
          "Your PDF is ready: the download has started. If it did not, use the button below.";
      }
    } else if (status.state === "failed") {
      var heading = box.querySelector("h1");
      if (heading) {
        heading.textContent = status.publication ?
          "Not published: the PDF could not be made" : "The PDF could not be made";
      }
      if (message) {
        message.textContent = (status.reason || "The PDF renderer could not lay this report out.") +
          (status.publication ? " Nothing was published and nobody was told." : "");
        message.classList.add("flash", "flash-error");
        message.setAttribute("role", "alert");
      }
    }
  }

  function watch(box) {
    if (watched.has(box)) return;
    watched.add(box);
    var url = box.getAttribute("data-progress");

    function poll() {
      if (!document.contains(box)) return; // the page moved on
      fetch(url, {
        credentials: "same-origin",
        headers: {"Accept": "application/json", "X-Clearpath-Background": "1"}
      }).then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      }).then(function (status) {
        show(box, status);
        if (status.state === "done") {
          window.location.assign(status.ready_url);
        } else if (status.state !== "failed") {
          window.setTimeout(poll, POLL_MS);
        }
      }).catch(function () {
        window.setTimeout(poll, POLL_MS * 3); // a network blip: keep trying, more slowly
      });
    }

    window.setTimeout(poll, POLL_MS);
  }

  function init(root) {
    (root || document).querySelectorAll("[data-progress]").forEach(watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (event) {
    init(event.detail && event.detail.elt && event.detail.elt.parentNode || document);
  });
})();
