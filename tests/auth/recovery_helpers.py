"""Shared steps of the recovery and profile tests: ask for a link, read it from the outbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.notices.models import Notice
from tests.conftest import csrf_token_from

NEW_PASSWORD = "a fresh and private passphrase"
SENT = "Check your email"
GONE = "This link no longer works"

_VARYING = re.compile(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"|value="[^"]+"')


def ask_for_link(client, email: str, **environ):
    """Submit "Forgot your password?" for `email` (from the REMOTE_ADDR in `environ`)."""
    page = client.get("/password/forgot", environ_base=environ)
    return client.post("/password/forgot", environ_base=environ, data={
        "email": email, "csrf_token": csrf_token_from(page.get_data(as_text=True))})


def reset_paths(session, email: str) -> list[str]:
    """The reset links queued for `email`, oldest first (from the outbox rows)."""
    notices = session.scalars(select(Notice).where(
        Notice.event == "password_reset", Notice.recipient == email).order_by(Notice.id))
    return [notice.context["reset_path"] for notice in notices]


def set_new_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "password": password,
        "confirm": password if confirm is None else confirm})


def same_page(html: str, *replace: str) -> str:
    """The page without what differs between any two renders (nonces, tokens, the address
    typed), to compare answers."""
    html = _VARYING.sub("", html).replace("<wbr>", "")  # an address's line-break hints
    for text in replace:
        html = html.replace(text, "ADDRESS")
    return html


def field_error(html: str, field_id: str) -> str:
    """The error text shown beside a field (its `<id>-error` list), or ""."""
    match = re.search(rf'<ul class="field-errors" id="{re.escape(field_id)}-error">(.*?)</ul>',
                      html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""
