"""The renderer fetches nothing but bundled assets, sanitizes user Markdown, and is bounded in
size and time: hostile content is neither fetched nor able to hang a worker."""

from __future__ import annotations

import pytest

from portal.reports import rendering
from portal.reports.fetcher import AssetFetcher, RefusedURL
from portal.reports.rendering import RenderError, RenderTimeout, render_bounded, write_pdf

HOSTILE = [
    ("file", '<img src="file:///etc/passwd">', "file:///etc/passwd"),
    ("metadata", '<img src="http://169.254.169.254/latest/meta-data/">', "http://169.254.169.254"),
    ("import", '<style>@import url("http://attacker.example/x.css");</style>',
     "http://attacker.example/x.css"),
    ("svg image", '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                  '<image href="file:///etc/hostname" width="10" height="10"/></svg>',
     "file:///etc/hostname"),
    ("data", '<img src="data:image/svg+xml;utf8,<svg xmlns=%22http://www.w3.org/2000/svg%22>'
             '<image href=%22http://169.254.169.254/x%22/></svg>">', "data:image/svg+xml"),
    ("font", '<style>@font-face{font-family:x;src:url(https://fonts.example/x.woff)}'
             'p{font-family:x}</style><p>x</p>', "https://fonts.example/x.woff"),
    ("climb", '<style>@font-face{font-family:y;src:url("asset:fonts/../../config.py")}'
              'p{font-family:y}</style><p>y</p>', "asset:fonts/../../config.py"),
]


@pytest.mark.parametrize("name, markup, url", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_references_are_refused_not_fetched(tmp_path, name, markup, url):
    """Each reference reaches the fetcher only to be refused; the PDF is still made."""
    fetcher = write_pdf(f"<html><body><p>Report</p>{markup}</body></html>",
                        str(tmp_path / "out.pdf"))
    assert any(refused.startswith(url) for refused in fetcher.refused), fetcher.refused
    assert fetcher.served == []
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")


def test_the_fetcher_serves_bundled_fonts_only():
    """An `asset:` font is served from the package; anything else raises before any I/O."""
    fetcher = AssetFetcher()
    response = fetcher.fetch("asset:fonts/dejavu-2.37/DejaVuSans.ttf")
    assert response.read(4) == b"\x00\x01\x00\x00"
    for url in ("file:///etc/passwd", "http://127.0.0.1:5432/", "asset:../secret_key",
                "asset:fonts/dejavu-2.37/LICENSE", "ftp://example.com/x"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_a_huge_colspan_renders_quickly_and_bounded(tmp_path):
    """A table cell spanning a million columns neither hangs nor crashes the renderer."""
    html = ('<table><tr><td colspan="1000000">wide</td></tr>'
            '<tr><td>a</td><td>b</td></tr></table>')
    render_bounded(html, tmp_path / "colspan.pdf", timeout=60)
    assert (tmp_path / "colspan.pdf").read_bytes().startswith(b"%PDF")


def test_rendering_that_takes_too_long_is_killed(tmp_path):
    """Past its time bound the renderer is stopped and nothing half-written is left."""
    html = "<table>" + "<tr><td>row</td><td>cell</td></tr>" * 40_000 + "</table>"
    with pytest.raises(RenderTimeout):
        render_bounded(html, tmp_path / "slow.pdf", timeout=0.05)
    assert list(tmp_path.iterdir()) == []


def test_oversized_html_is_refused_before_rendering(tmp_path):
    with pytest.raises(RenderError):
        render_bounded("x" * (rendering.MAX_HTML_BYTES + 1), tmp_path / "big.pdf")


def test_user_markdown_is_sanitized_before_it_reaches_the_pdf(app, tmp_path):
    """Raw HTML, scripts, images, styles and javascript: links in a review never render."""
    from tests.reports.test_content import sample_content

    hostile = ('<img src="file:///etc/passwd"><script>alert(1)</script>'
               '<style>@import "http://x.example/a.css";</style>'
               '<table><tr><td colspan="99999">x</td></tr></table>\n\n'
               '[click](javascript:alert(1)) ![pic](http://169.254.169.254/p.png)')
    content = sample_content(executive_summary=hostile)
    with app.test_request_context():
        html = rendering.review_html(content)
    body = html.split("<body>", 1)[1]
    for forbidden in ("<img", "<script", 'href="javascript', '<td colspan="99999"', "<style"):
        assert forbidden not in body
    fetcher = write_pdf(html, str(tmp_path / "r.pdf"))
    assert fetcher.refused == []
