"""No page of a report is half empty by accident: after the cover, sections follow on, and only
the last page may end early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import weasyprint

from portal.reports.fetcher import AssetFetcher
from portal.reports.rendering import review_html
from tests.reports.test_content import sample_content

#: Every page between the cover and the last is filled at least this far (a heading kept with
#: its block, or the chart kept whole, may push a few lines on; a forced break left a third).
MIN_FILL = 0.6
_CONTENT_BOXES = {"LineBox", "TableRowBox", "BlockReplacedBox", "InlineReplacedBox"}


def _bottoms(box):
    for child in getattr(box, "children", None) or ():
        if type(child).__name__ in _CONTENT_BOXES:
            yield child.position_y + child.height
        else:
            yield from _bottoms(child)


def page_fill(html: str) -> list[float]:
    """How far down each page its content reaches, as a share of the page's content height
    (WeasyPrint's laid-out boxes; the running header and footer are left out)."""
    document = weasyprint.HTML(string=html, base_url="asset:", url_fetcher=AssetFetcher()).render()
    fills = []
    for page in document.pages:
        box = page._page_box
        top = box.content_box_y()
        flow = [child for child in box.children if type(child).__name__ != "MarginBox"]
        bottom = max((b for child in flow for b in _bottoms(child)), default=top)
        fills.append((bottom - top) / box.height)
    return fills


def _timeline(count: int) -> list[dict]:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    return [
        {"at": (start + timedelta(minutes=7 * i)).isoformat(), "text": f"Event {i}: " + "w " * 30}
        for i in range(count)
    ]


@pytest.mark.parametrize("events", [3, 12, 60])
def test_no_page_but_the_last_is_half_empty(app, events):
    """A short summary no longer leaves its page two-thirds white, nor does the timeline jump
    to a new page: with few, some or many timeline entries every middle page is filled."""
    content = sample_content()
    content["timeline"] = _timeline(events)
    with app.test_request_context():
        fills = page_fill(review_html(content))
    middle = fills[1:-1]
    assert len(fills) >= 3
    assert all(fill >= MIN_FILL for fill in middle), [round(f, 2) for f in fills]


def test_a_long_executive_summary_is_printed_whole(app):
    """The summary is never clipped to its first page: every paragraph reaches the PDF."""
    paragraphs = [f"Paragraph {i} of the summary. " + "word " * 80 for i in range(30)]
    content = sample_content(executive_summary="\n\n".join(paragraphs))
    with app.test_request_context():
        html = review_html(content)
    text = " ".join(
        box.text
        for page in weasyprint.HTML(string=html, base_url="asset:", url_fetcher=AssetFetcher())
        .render()
        .pages
        for box in _texts(page._page_box)
    )
    assert "Paragraph 29 of the summary." in text


def _texts(box):
    for child in getattr(box, "children", None) or ():
        if type(child).__name__ == "TextBox":
            yield child
        else:
            yield from _texts(child)
