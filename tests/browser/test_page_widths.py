"""Every page of every role fits the screen: at 390 px (a phone) nothing is wider than the
viewport, and at 1280 px (a laptop) no table is cut or hidden behind a sideways scroll.

The walk visits each page the role walk's table lets the demo's person of that role open, with
the demo world's real content, measures it at both widths, and lists every page that fails, so
one run shows all of them.
"""

from __future__ import annotations

import pytest

from tests.browser.demo_world import ROLES, demo_app, page_map, sign_in_as

PHONE, LAPTOP = 390, 1280

#: Measured in the page: the document's width, and every table whose right edge passes the
#: box of an ancestor that clips or scrolls sideways (a column someone cannot see).
MEASURE = """() => {
  const view = document.documentElement.clientWidth;
  const cut = [];
  for (const table of document.querySelectorAll("table")) {
    const right = table.getBoundingClientRect().right;
    for (let box = table.parentElement; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === "visible") continue;
      if (box.scrollWidth > box.clientWidth + 1 || right > box.getBoundingClientRect().right + 1) {
        const caption = table.querySelector("caption, th");
        cut.push((table.id || box.className || "table") + " (" +
                 (caption ? caption.textContent.trim().slice(0, 40) : "") + ")");
      }
      break;
    }
  }
  const past = [];  // the innermost elements that reach past the screen's right edge
  for (const el of document.querySelectorAll("body *")) {
    if (el.getBoundingClientRect().right <= view + 1) continue;
    if ([...el.children].some((c) => c.getBoundingClientRect().right > view + 1)) continue;
    past.push(el.tagName.toLowerCase() + "." + el.className + " “" +
              (el.textContent || "").trim().slice(0, 40) + "”");
  }
  return {view: view, width: document.documentElement.scrollWidth, cut: cut,
          past: past.slice(0, 3)};
}"""


@pytest.fixture(scope="module")
def browser_app(tmp_path_factory):
    """The demo world (this module's own app: real names, addresses and timelines)."""
    app = demo_app(tmp_path_factory.mktemp("widths") / "demo.sqlite3")
    yield app, None


@pytest.fixture(scope="module")
def pages(browser_app):
    return page_map(browser_app[0])


def _too_wide(page, paths: list[str]) -> list[str]:
    faults = []
    for path in paths:
        page.set_viewport_size({"width": LAPTOP, "height": 800})
        page.goto(path)
        page.wait_for_load_state("load")
        laptop = page.evaluate(MEASURE)
        if laptop["width"] > laptop["view"]:
            faults.append(f"{path} at {LAPTOP} px: {laptop['width']} px wide: {laptop['past']}")
        faults.extend(f"{path} at {LAPTOP} px: column cut in {where}" for where in laptop["cut"])
        page.set_viewport_size({"width": PHONE, "height": 844})
        phone = page.evaluate(MEASURE)
        if phone["width"] > phone["view"]:
            faults.append(f"{path} at {PHONE} px: {phone['width']} px wide: {phone['past']}")
    return faults


@pytest.mark.browser
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value)
def test_no_page_is_wider_than_the_screen(browser, live_server, pages, role):
    """A phone never scrolls sideways, and a laptop sees every column of every table."""
    context = browser.new_context(base_url=live_server, viewport={"width": LAPTOP, "height": 800})
    try:
        # The icon comes late and a quick walk leaves before it is read (the server would
        # keep the half-sent file open); it has nothing to do with a page's width.
        context.route("**/favicon.svg", lambda route: route.fulfill(status=204))
        page = context.new_page()
        sign_in_as(page, role)
        faults = _too_wide(page, pages[role])
    finally:
        context.close()
    assert len(pages[role]) >= 8, pages[role]
    failing = {fault.split(" at ")[0] for fault in faults}
    assert faults == [], f"{len(failing)} of {len(pages[role])} pages: " + "\n".join(faults)
