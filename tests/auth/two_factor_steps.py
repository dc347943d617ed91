"""Steps of a two-factor sign-in through the test client, as a person takes them."""

from __future__ import annotations

import re
from html import unescape

import pyotp

from portal.clock import now
from tests.conftest import csrf_token_from

KEY_RE = re.compile(r'id="manual-key">([A-Z2-7 ]+)<')
CODE_RE = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


def secret_on(page: str) -> str:
    match = KEY_RE.search(page)
    assert match, "no manual key on the enrolment page"
    return match.group(1).replace(" ", "")


def code_for(secret: str, at=None) -> str:
    return pyotp.TOTP(secret).at(at or now())


def post_code(client, path: str, code: str, *, field: str = "code"):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={field: code, "csrf_token": token})


def enrol_after_password(client) -> tuple[str, list[str], object]:
    """On the enrolment page after the password: read the key, confirm a code, read the
    recovery codes, continue. Returns (secret, recovery codes, the last response)."""
    page = client.get("/login/two-factor").get_data(as_text=True)
    secret = secret_on(page)
    token = csrf_token_from(page)
    shown = client.post("/login/two-factor",
                        data={"code": code_for(secret), "csrf_token": token})
    assert shown.status_code == 200, shown.get_data(as_text=True)
    html = shown.get_data(as_text=True)
    codes = [unescape(c) for c in CODE_RE.findall(html)]
    done = client.post("/login/two-factor/continue", data={"csrf_token": csrf_token_from(html)})
    return secret, codes, done
