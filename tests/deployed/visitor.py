"""A person using the deployed site over HTTP: a cookie jar, CSRF tokens, forms as served.

Forms are submitted as a browser would: every field the page renders (hidden steps, CSRF
token, pre-filled text), with the values the person changes on top.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

import httpx

from tests.conftest import csrf_token_from


class _FormParser(HTMLParser):
    """The fields of the first form POSTing to `action` (any #fragment aside), as (name,
    value) pairs."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self.found = False
        self._inside = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._inside = (attrs.get("method", "").lower() == "post" and not self.found
                            and attrs.get("action", "").split("#")[0] == self.action)
            self.found = self.found or self._inside
        if not self._inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self._textarea is not None:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    parser = _FormParser(action)
    parser.feed(html)
    assert parser.found, f"no form posting to {action} on the page"
    return parser.fields


class Visitor:
    """One person's HTTP session with the deployment."""

    def __init__(self, base_url: str):
        self.statuses: list[int] = []  # of every response, in order
        self.http = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False,
                                 event_hooks={"response": [self._count]})

    def _count(self, response: httpx.Response) -> None:
        self.statuses.append(response.status_code)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def sign_in(self, email: str, password: str) -> httpx.Response:
        """POST the sign-in form; the redirect to the landing page on success."""
        return self.sign_in_from(self.get("/login"), email, password)

    def sign_in_from(self, page: httpx.Response, email: str, password: str) -> httpx.Response:
        """POST the sign-in form of a sign-in page already read."""
        return self.http.post("/login", data={"email": email, "password": password,
                                              "csrf_token": csrf_token_from(page.text)})

    def submit(self, page: str | httpx.Response, action: str, **changes: str) -> httpx.Response:
        """Submit the form posting to `action` on `page` (a path, or a response already read),
        with `changes` over the values it was served with (names as the form spells them:
        `**{"comment-body": …}`)."""
        html = (self.get(page) if isinstance(page, str) else page).text
        fields = [(name, value) for name, value in form_fields(html, action)
                  if name not in changes]
        return self.http.post(action, content=urlencode([*fields, *changes.items()]),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})

    def post_to_timeline(self, escalation_id: int, visibility: str, body: str) -> None:
        """Post as staff do in the console: an internal note at once, a customer update after
        its confirmation step."""
        action = f"/admin/escalations/{escalation_id}/timeline"
        answer = self.submit(action, action, visibility=visibility, body=body)
        if visibility == "customer":
            assert answer.status_code == 200, answer.text[:2000]  # the confirmation step
            answer = self.submit(answer, action, checked="y")
        assert answer.status_code == 302, answer.text[:3000]

    def post(self, path: str, *, csrf_from: str, **data: str) -> httpx.Response:
        """A bare POST (a button form) with the CSRF token of the page it is on."""
        token = csrf_token_from(self.get(csrf_from).text)
        return self.http.post(path, data={"csrf_token": token, **data})
