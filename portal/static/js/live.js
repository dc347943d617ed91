/*
 * Live regions: conditional polling, "updated N seconds ago", and a highlight on rows that
 * changed. CSP-safe (no eval, no inline code); loaded with the page's nonce after htmx.
 *
 * A live region is an element with [data-live] that htmx polls and swaps whole (outerHTML):
 *   data-etag="…"          the region's ETag; sent back as If-None-Match, so an unchanged poll
 *                          costs the server one query and answers 304 (no swap here)
 *   [data-live-updated]    a <time> whose text (absolute, for readers without JS) becomes
 *                          "just now", "12 seconds ago", … counted from when this browser
 *                          last knew the region was current (no server/browser clock skew)
 *   [data-live-problem]    shown while refreshing fails
 *   rows [id][data-version] compared before and after a poll: a changed or new row gets the
 *                          class "row-changed" for a moment, and #live-announcer (a polite
 *                          status region outside the swapped part) says which changed, in
 *                          the row's own words where it has them (data-live-new,
 *                          data-live-changed)
 *   .live-every            "refreshes every 15 s": shown only where this script runs
 * Polling pauses while the tab is hidden and refreshes at once when it is shown again.
 * A poll never swaps a region while a pointer is pressed in it (the press's click would be
 * lost); the region refreshes once the press is over.
 * A region's polls carry X-Clearpath-Background: they never move the session's idle timer,
 * and once the session has ended the app answers one with HX-Redirect to the sign-in page.
 */
(function () {
  "use strict";

  // Loaded once per document however many pages include it (boosted navigation keeps it).
  if (window.clearpathLive) return;
  window.clearpathLive = true;

  var HIGHLIGHT_CLASS = "row-changed";
  var HIGHLIGHT_MS = 5000;
  var TICK_MS = 1000;
  var freshAt = new WeakMap(); // live region -> Date.now() when it was last known current
  var before = new WeakMap(); // live region -> {row id: version} just before a poll's swap

  function isLive(elt) {
    return !!(elt && elt.nodeType === 1 && elt.hasAttribute("data-live"));
  }

  function regions() {
    return document.querySelectorAll("[data-live]");
  }

  function versions(region) {
    var map = {};
    region.querySelectorAll("[id][data-version]").forEach(function (row) {
      map[row.id] = row.getAttribute("data-version");
    });
    return map;
  }

  function ago(seconds) {
    if (seconds < 5) return "just now";
    if (seconds < 60) return seconds + " seconds ago";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes === 1 ? "1 minute ago" : minutes + " minutes ago";
    var hours = Math.floor(minutes / 60);
    return hours === 1 ? "1 hour ago" : hours + " hours ago";
  }

  function render(region) {
    var time = region.querySelector("[data-live-updated]");
    if (!time) return;
    if (!freshAt.has(region)) freshAt.set(region, Date.now());
    var seconds = Math.max(0, Math.round((Date.now() - freshAt.get(region)) / 1000));
    var text = ago(seconds);
    if (time.textContent !== text) time.textContent = text;
  }

  function tick() {
    regions().forEach(render);
  }

  function setProblem(region, failing) {
    var problem = region.querySelector("[data-live-problem]");
    if (problem) problem.hidden = !failing;
  }

  function markFresh(region) {
    freshAt.set(region, Date.now());
    setProblem(region, false);
    render(region);
  }

  function announce(message) {
    var announcer = document.getElementById("live-announcer");
    if (!announcer || !message) return;
    announcer.textContent = "";
    // A new text node after clearing makes screen readers announce a repeated message too.
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  // What to say about a row: its own words when it has them (data-live-new for a row that
  // was not there, data-live-changed for one that changed), else its escalation reference.
  function news(row, isNew) {
    return row.getAttribute(isNew ? "data-live-new" : "data-live-changed");
  }

  function highlightChanges(region, old) {
    var changed = [], said = [];
    region.querySelectorAll("[id][data-version]").forEach(function (row) {
      if (old[row.id] === row.getAttribute("data-version")) return;
      row.classList.add(HIGHLIGHT_CLASS);
      var words = news(row, !(row.id in old));
      if (words) said.push(words);
      else changed.push(row.id.replace(/^escalation-/, ""));
      window.setTimeout(function () { row.classList.remove(HIGHLIGHT_CLASS); }, HIGHLIGHT_MS);
    });
    if (changed.length === 1) said.push(changed[0] + " has changed.");
    else if (changed.length > 1) said.push(changed.length + " escalations have changed: " +
      changed.join(", ") + ".");
    if (said.length) announce(said.join(" "));
  }

  // Send the region's ETag with its own polls (not with a filter form's requests), and say
  // that nobody asked for them by hand: a poll does not keep an idle session alive.
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!isLive(elt)) return;
    evt.detail.headers["X-Clearpath-Background"] = "poll";
    if (elt.getAttribute("data-etag")) {
      evt.detail.headers["If-None-Match"] = 'W/"' + elt.getAttribute("data-etag") + '"';
    }
  });

  // Nobody is looking: skip the poll, and catch up when the tab is shown again.
  // A request that is not a poll (the filter form) aims at the live regions: a poll still in
  // flight would answer for the old filters, so it is aborted before it can swap.
  // A form inside a region (a comment, a step marked done) changes what the region shows: a
  // poll already in flight would answer for before it and undo the form's own swap.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (isLive(elt)) {
      if (document.visibilityState === "hidden") evt.preventDefault();
      return;
    }
    if (!window.htmx) return;
    var target = evt.detail.target;
    var region = (target && isLive(target)) ? target
      : (elt && elt.closest ? elt.closest("[data-live]") : null);
    if (region) window.htmx.trigger(region, "htmx:abort");
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || !window.htmx) return;
    regions().forEach(function (region) { window.htmx.trigger(region, "live:refresh"); });
  });

  // A press inside a region (a pointer down, not yet up) keeps what it pressed: a poll that
  // swapped the region between the press and the release would take the pressed link away,
  // and the click would never happen. Such a poll's answer is left unswapped, and the region
  // polls again once the press is over (after the click has had its turn).
  var pressed = null; // the live region a pointer is pressed in
  var held = false; // whether its poll answered during the press
  document.addEventListener("pointerdown", function (evt) {
    pressed = evt.target && evt.target.closest ? evt.target.closest("[data-live]") : null;
    held = false;
  }, true);
  function release() {
    var region = pressed;
    pressed = null;
    if (!region || !held) return;
    held = false;
    window.setTimeout(function () {
      if (window.htmx && document.body.contains(region)) window.htmx.trigger(region, "live:refresh");
    }, 0);
  }
  document.addEventListener("pointerup", release, true);
  document.addEventListener("pointercancel", release, true);

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (!isLive(target)) return;
    if (evt.detail.xhr && evt.detail.xhr.status === 304) {
      // Not modified: keep what is shown (an empty body must never replace the rows).
      evt.detail.shouldSwap = false;
      evt.detail.isError = false;
      return;
    }
    if (evt.detail.elt === target && target === pressed) {
      evt.detail.shouldSwap = false; // a poll, under a press: see "pointerdown" above
      held = true;
      return;
    }
    // Only a region's own poll highlights: new rows after a filter change are not news.
    if (evt.detail.elt === target && evt.detail.shouldSwap) before.set(target, versions(target));
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!isLive(elt) || !document.body.contains(elt)) return;
    var xhr = evt.detail.xhr;
    if (xhr && xhr.status === 304) markFresh(elt);
    else if (!evt.detail.successful) setProblem(elt, true);
  });

  document.addEventListener("htmx:sendError", function (evt) {
    if (isLive(evt.detail.elt)) setProblem(evt.detail.elt, true);
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    if (isLive(evt.target)) markFresh(evt.target);
  });

  // After settling: htmx restores the class attribute of elements whose id survived the swap
  // once the settle delay is over, which would take a highlight added any earlier away.
  document.addEventListener("htmx:afterSettle", function (evt) {
    var region = evt.target;
    if (!isLive(region)) return;
    var oldTarget = evt.detail.target;
    var old = oldTarget && before.get(oldTarget);
    if (old) {
      before.delete(oldTarget);
      highlightChanges(region, old);
    }
  });

  function start() {
    // With scripts running, the lists say they refresh themselves (CSS shows .live-every).
    document.documentElement.classList.add("live-js");
    tick();
    window.setInterval(tick, TICK_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
