"""A page's shell remembered: `base.html`'s head, top bar, navigation and user menu around a
page's content, rendered by Jinja once per key and reused with the request's own CSP nonce and
CSRF token put back.

What `base.html` draws around a page depends on little: the script root, the page (its
endpoint, title and scripts), and who is signed in (name, organization, role; a staff member's
navigation also on what the caller puts in the key). So a page whose content is drawn in Python
passes it here; the template is rendered once with a marker where the content goes and
remembered with the nonce and token taken out. A request with flashed messages or a staff
preview banner (which `base.html` draws from the session) is rendered by Jinja every time.

The caller's key must name everything else the template draws outside the content: the
parity tests of each page (tests/customer/test_notification_markup.py and the pages that use
this) compare the remembered page with Jinja's, byte for byte.
"""

from __future__ import annotations

from collections.abc import Hashable

from flask import render_template
from flask.globals import _cv_request
from markupsafe import Markup, escape

from portal.auth.preview import SESSION_KEY as PREVIEW_KEY
from portal.csrf_tokens import generate_csrf
from portal.remembered import MarkupMemo
from portal.security import csp_nonce

# Stand for the request's nonce and token, and for the content, in a remembered shell.
_NONCE, _TOKEN, _CONTENT = "\x00nonce\x00", "\x00csrf\x00", "\x00content\x00"
_SHELLS = MarkupMemo(4096)


def page(template: str, content: Markup, user, key: tuple[Hashable, ...] = (),
         **context) -> str:
    """`template` (which draws `{{ content }}` in its content block) around `content`: from the
    shell remembered for this script root, endpoint, person and `key`, or rendered by Jinja
    when the shell shows more than that (flashed messages, a staff preview). `context` is the
    rest of what the template is given: it must be the same for every request with this key."""
    request_context = _cv_request.get()  # the request, its session and flashes in one lookup
    cookie = request_context.session
    if request_context.flashes or "_flashes" in cookie or PREVIEW_KEY in cookie:
        return render_template(template, content=content, **context)
    request = request_context.request
    full_key = (template, request.script_root, request.endpoint, user.name,
                user.organization.name if user.organization is not None else None,
                user.role, *key)
    nonce, token = str(escape(csp_nonce())), str(escape(generate_csrf()))
    try:
        shell = _SHELLS.get(full_key, lambda: _shell(template, nonce, token, context))
    except TypeError:  # a key that cannot be hashed: drawn every time
        shell = None
    if shell is None:
        return render_template(template, content=content, **context)
    return shell.replace(_NONCE, nonce).replace(_TOKEN, token).replace(_CONTENT, content, 1)


def forget() -> None:
    """Every remembered shell dropped (tests that change what a shell draws)."""
    _SHELLS._entries.clear()


def _shell(template: str, nonce: str, token: str, context: dict):
    """The page rendered around a marker, this request's nonce and token taken out; None (never
    remembered: MarkupMemo keeps what it is given, so a None is drawn again) when the marker,
    nonce or token cannot be told apart from the rest."""
    drawn = render_template(template, content=Markup(_CONTENT), **context)
    if drawn.count(_CONTENT) != 1 or not nonce or not token or nonce == token \
            or nonce in token or token in nonce:
        return None
    return drawn.replace(nonce, _NONCE).replace(token, _TOKEN)
