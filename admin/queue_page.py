"""The staff queue's whole page: its content (`admin/queue/_content.html`: the header, the
filters and the rows fragment) drawn by Jinja, in `base.html`'s shell remembered by
portal.page_shell (the shell's head, top bar, navigation and user menu cost a Jinja render
per request, and read the same for a viewer from one request to the next).

What the shell draws besides what page_shell keys it on (script root, endpoint, name,
organization, role) is the console's navigation counts: they are in the key. The page reads
them with its own statement (admin.navigation.counts_ahead); when it did not (no open
escalation carried them, or an entry counts without a column), the page is drawn by Jinja
whole, as before. tests/admin/test_queue_page.py compares with the old template's page, byte
for byte.
"""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from admin import navigation
from portal import page_shell

PAGE = "admin/queue/home.html"
CONTENT = "admin/queue/_content.html"


def page(user, counts: dict | None, **context) -> str:
    """The queue page for `user` with `context` (what `_content.html` takes); `counts`: the
    navigation's counts read ahead (by endpoint), None when not."""
    content = Markup(render_template(CONTENT, **context))
    key = _nav_key(user, counts)
    if key is None:
        return render_template(PAGE, content=content)
    return page_shell.page(PAGE, content, user, key=key)


def _nav_key(user, counts: dict | None) -> tuple | None:
    """The navigation's counts as a key, when every count the viewer's navigation shows was
    read ahead (None: the navigation would ask for one itself)."""
    if counts is None:
        return None
    counted = [entry.endpoint for entry in navigation.visible(navigation.MAIN, user)
               if entry.count]
    if any(endpoint not in counts for endpoint in counted):
        return None
    return ("nav",) + tuple((endpoint, counts[endpoint]) for endpoint in counted)
