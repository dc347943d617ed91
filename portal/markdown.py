"""User Markdown → safe HTML. markdown-it renders (raw HTML off), nh3 sanitizes (allow-list).

The allow-list has no event handlers, no `hx-*`, no style, and links only http(s) and mailto.
Templates put the result inside an `hx-disable` element as a second fence.

An image is not shown (nh3 drops `img`), but what it showed is kept: it renders as the words
"[Image: alt]", so a reader knows something was there and what it was.

A text is rendered once per process: the same update is shown on every view and poll of its
page, and rendering is a pure function of the text (an LRU of CACHED_TEXTS texts up to
CACHED_CHARS characters; a longer one is rendered each time, so the cache stays small).
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _image_as_words(self, tokens, idx, options, env) -> str:
    alt = self.renderInlineAsText(tokens[idx].children or [], options, env).strip()
    return str(escape(f"[Image: {alt}]" if alt else "[Image]"))


_md.add_render_rule("image", _image_as_words)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
CACHED_TEXTS = 4096
CACHED_CHARS = 8192


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to sanitized HTML, safe to put in a template."""
    text = text or ""
    if len(text) > CACHED_CHARS:
        return Markup(_render(text))
    return Markup(_cached_render(text))


def plain_text(text: str | None) -> str:
    """What a reader of the rendered Markdown reads, without markup (for CSV cells)."""
    return render_markdown(text).striptags()


def parse_markdown(text: str) -> list[Token]:
    """The block and inline tokens of `text`, as the renderer sees them (for size checks)."""
    return _md.parse(text or "")


def _render(text: str) -> str:
    return sanitize_html(_md.render(text))


_cached_render = lru_cache(maxsize=CACHED_TEXTS)(_render)
