"""Webhook endpoints as people manage them: a signed-in client per role, a form poster, and a
real HTTP receiver on 127.0.0.1 (the notices package's) that verifies signatures."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from tests.conftest import csrf_token_from
from tests.notices.conftest import webhook_receiver, world  # noqa: F401  (fixtures)

SECRET_RE = re.compile(r'id="webhook-secret-value"[^>]*value="([^"]+)"')


def secret_on(html: str) -> str | None:
    match = SECRET_RE.search(html)
    return match.group(1) if match else None


def signatures_of(header: str) -> list[str]:
    return [part.strip().removeprefix("v1=") for part in header.split(",")]


def verifies(secret: str, headers: dict, body: bytes) -> bool:
    """The README's rule: any v1 signature in the header is the HMAC of "<timestamp>.<body>"."""
    stamp = headers["X-Clearpath-Timestamp"]
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return any(hmac.compare_digest(expected.hexdigest(), given)
               for given in signatures_of(headers["X-Clearpath-Signature"]))


class Portal:
    """Posts forms as the signed-in person, with the page's CSRF token."""

    def __init__(self, client, base: str):
        self.client, self.base = client, base

    def post(self, path: str, data: dict | None = None, *, page: str | None = None):
        token = csrf_token_from(self.client.get(page or self.base).get_data(as_text=True))
        return self.client.post(path, data={"csrf_token": token, **(data or {})})

    def add(self, name="Ops bridge", url="https://93.184.215.14/hook", kind="generic",
            events=("update.note", "update.status_change"), **extra):
        data = {"endpoint-name": name, "endpoint-url": url, "endpoint-kind": kind,
                "endpoint-events": list(events),
                "endpoint-csrf_token": csrf_token_from(
                    self.client.get(self.base).get_data(as_text=True)), **extra}
        return self.client.post(self.base, data=data)


@pytest.fixture
def portal_as(client, auth):
    signed_in: list = []

    def sign_in(user, base="/webhooks") -> Portal:
        """Sign `user` in (once: asking again for the same person reuses the session)."""
        if signed_in != [user.email]:
            auth.login(user.email)
            signed_in[:] = [user.email]
        return Portal(client, base)

    return sign_in
