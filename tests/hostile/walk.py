"""A walk of every route in the URL map with hostile values, as a signed-in person.

For each rule: GET routes get hostile query values (the names the app's own GET forms use,
and the usual `page`, `q`, `next`…); POST routes get the fields of the forms the app renders
for them (read from the pages), a few replaced by hostile values, with a real CSRF token.
Path arguments are real ids most of the time and hostile ones otherwise. Every answer is
counted; any 5xx is kept with what was sent, so one run shows every failing route.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from tests.conftest import csrf_token_from
from tests.hostile.forms_on_pages import PageForm, forms_on

HUGE = ["99999999999999999999", "2147483648", "-2147483649", "9223372036854775808",
        "9" * 400, "1" * 5000, "1e309"]
HOSTILE = [
    "", " ", "\x00", "a\x00b", "ESC-1001\x00", "\ud800", "x\udfffy", *HUGE, "-1", "0",
    "nan", "inf", "-inf", "ESC-99999999999999999999", "ESC-0", "ESC--1", "x" * 20_000,
    "\U0001f4a5" * 200, "\u202e\u2028\ufeff", "\u00b2\u00b3", "\u0661\u0662\u0663",
    "<script>alert(1)</script>", "' OR 1=1 --", "%", "_", "\\", "2026-13-45T25:61",
    "9999-12-31T23:59", "0001-01-01T00:00", "1970-01-01", "true", "on", "../../etc/passwd",
    "//evil.example.com", "javascript:alert(1)", "\r\nSet-Cookie: x=1",
]
QUERY_NAMES = ["page", "q", "next", "period", "show", "status", "template", "sort", "view",
               "severity", "area", "tier", "within", "reference"]
#: Endpoints after which the visitor signs in again (they end or change the session).
SESSION_CHANGING = {"auth.logout", "auth.login", "auth.accept_invitation",
                    "admin.preview_start", "admin.preview_exit"}
_ARG = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")

any_char = st.characters(exclude_categories=())
STORAGE_BREAKERS = [*HUGE, "\x00", "a\x00b", "\ud800", "ESC-99999999999999999999"]
hostile_text = st.one_of(
    st.sampled_from(STORAGE_BREAKERS),
    st.sampled_from(HOSTILE),
    st.integers().map(str),
    st.text(max_size=30),
    st.text(alphabet=any_char, max_size=12),
)


def encoded(text: str) -> str:
    """Percent-encoded UTF-8, lone surrogates included (as a hostile client could send)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{encoded(k)}={encoded(v)}" for k, v in pairs).encode("ascii")


@dataclass
class Tally:
    database: str
    cases: int = 0
    by_status: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    header_misses: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.by_status.items() if status >= 500)


class Visitor:
    """One signed-in person with their own cookie jar; signs in again when the session ends."""

    def __init__(self, app, email: str, password: str, protected_ids: set[int]):
        self.app, self.email, self.password = app, email, password
        self.protected_ids = protected_ids
        self.last = "nothing"
        self.sign_in()

    def sign_in(self) -> None:
        self.client = self.app.test_client()
        token = csrf_token_from(self.client.get("/login").get_data(as_text=True))
        answer = self.client.post("/login", data={"email": self.email, "password": self.password,
                                                  "csrf_token": token})
        assert answer.status_code == 302, f"{self.email} could not sign in after {self.last}"
        self.token = csrf_token_from(self.client.get("/escalations" if "/admin" not in
                                                     answer.location else "/admin/")
                                     .get_data(as_text=True))


class ErrorLog(logging.Handler):
    """Keeps the last unhandled exception the app logged, to say why a 500 happened."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record):
        if record.exc_info:
            exc = record.exc_info[1]
            self.last = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


def path_for(rule: Rule, values: dict[str, str]) -> str:
    return _ARG.sub(lambda m: encoded(values[m.group(2)]), rule.rule)


def path_arg(converter: str | None, name: str, protected: frozenset[int] = frozenset()):
    if converter == "int":
        real = st.integers(1, 12)
        if name == "user_id":  # the walkers do not deactivate or demote one another
            real = real.filter(lambda n: n not in protected)
        return st.one_of(real.map(str), real.map(str),
                         st.sampled_from(["0", "2147483647", "2147483648", "-1", *HUGE[:2]]))
    known = {"reference": ["ESC-1001", "ESC-1002"], "kind": ["milestones", "steps", "criteria"],
             "target": ["acknowledged", "investigating", "waiting_on_customer", "contained",
                        "resolved", "closed"]}.get(name, [])
    if known:
        return st.one_of(st.sampled_from(known), st.sampled_from(known), hostile_text)
    return hostile_text


class Walk:
    """Every rule of the URL map, hostile values, both roles; counts land in `tally`."""

    def __init__(self, app, visitors: list[Visitor], tally: Tally, *, per_route: int):
        self.app, self.visitors, self.tally, self.per_route = app, visitors, tally, per_route
        self.protected = frozenset().union(*(v.protected_ids for v in visitors))
        self.forms: dict[tuple[int, str], list[PageForm]] = {}
        self.query_names: dict[str, set[str]] = {}
        self.log = ErrorLog()

    def rules(self) -> list[Rule]:
        return sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule)

    def harvest(self) -> None:
        """Read the forms every page renders (with real ids), per visitor."""
        adapter = self.app.url_map.bind("localhost")
        for index, visitor in enumerate(self.visitors):
            for rule in self.rules():
                if "GET" not in rule.methods or rule.endpoint == "static":
                    continue
                for values in self._real_args(rule):
                    answer = visitor.client.get(path_for(rule, values))
                    if answer.status_code != 200 or answer.mimetype != "text/html":
                        continue
                    for form in forms_on(answer.get_data(as_text=True), path_for(rule, values)):
                        try:
                            endpoint, _ = adapter.match(form.action.split("?")[0],
                                                        method=form.method.upper())
                        except Exception:  # noqa: BLE001 - a form aimed elsewhere
                            continue
                        if form.method == "get":
                            self.query_names.setdefault(endpoint, set()).update(form.fields)
                        elif not self._ends_own_access(visitor, form.action):
                            self.forms.setdefault((index, endpoint), []).append(form)
            visitor.sign_in()  # the harvest may have followed links that changed the session

    def _ends_own_access(self, visitor: Visitor, action: str) -> bool:
        return any(re.search(rf"/(people|users)/{own}/", action) for own in self.protected)

    @staticmethod
    def _real_args(rule: Rule) -> list[dict[str, str]]:
        names = list(rule.arguments)
        if not names:
            return [{}]
        choices = []
        for first in ("1", "2", "3"):
            values = {}
            for name in names:
                converter = rule._converters[name].__class__.__name__
                if "Integer" in converter or "Int" in converter:
                    values[name] = first
                else:
                    values[name] = {"reference": "ESC-100" + first, "kind": "steps",
                                    "target": "acknowledged", "version": "1"}.get(name, "x")
            choices.append(values)
        return choices

    def run(self, *, part: int = 0, parts: int = 1) -> None:
        """Walk every `parts`-th rule from `part` (the whole map in `parts` runs)."""
        logging.getLogger(self.app.logger.name).addHandler(self.log)
        try:
            for index, visitor in enumerate(self.visitors):
                for rule in self.rules()[part::parts]:
                    for method in sorted(rule.methods & {"GET", "POST"}):
                        self._walk_rule(index, visitor, rule, method)
        finally:
            logging.getLogger(self.app.logger.name).removeHandler(self.log)

    def _walk_rule(self, index: int, visitor: Visitor, rule: Rule, method: str) -> None:
        converters = {name: ("int" if "Integer" in type(conv).__name__ else None)
                      for name, conv in rule._converters.items()}
        path_values = st.fixed_dictionaries(
            {name: path_arg(converters[name], name, self.protected) for name in rule.arguments})
        harvested = self.forms.get((index, rule.endpoint), [])
        own_names = sorted(self.query_names.get(rule.endpoint, set()))
        names = sorted(set(own_names) | set(QUERY_NAMES))

        @settings(max_examples=self.per_route, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(data=st.data())
        def one_case(data):
            if method == "GET":
                path = path_for(rule, data.draw(path_values))
                pool = own_names if own_names and data.draw(st.booleans()) else names
                chosen = data.draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))
                query = "&".join(f"{encoded(n)}={encoded(data.draw(hostile_text))}"
                                 for n in chosen)
                self.send(visitor, rule, "GET", path + ("?" + query if query else ""), None)
                return
            if harvested and data.draw(st.booleans()):
                form = data.draw(st.sampled_from(harvested))
                path = form.action
            else:
                form = data.draw(st.sampled_from(harvested)) if harvested else None
                path = path_for(rule, data.draw(path_values))
            fields = {k: list(v) for k, v in (form.fields if form else {}).items()}
            tokens = [k for k in fields if k.endswith("csrf_token")] or ["csrf_token"]
            for name in tokens:  # the session's current token (it changes at each sign-in)
                fields[name] = [visitor.token]
            pool = sorted(set(fields) - set(tokens)) or ["body", "text", "name", "email"]
            for name in data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3,
                                           unique=True)):
                fields[name] = [data.draw(hostile_text)]
            pairs = [(k, v) for k, values in fields.items() for v in values]
            self.send(visitor, rule, "POST", path, form_body(pairs))

        one_case()

    def send(self, visitor: Visitor, rule: Rule, method: str, url: str, body: bytes | None):
        self.log.last = ""
        visitor.last = f"{method} {url[:160]} {body[:300] if body else b''}"
        try:
            if method == "GET":
                answer = visitor.client.get(url)
            else:
                answer = visitor.client.post(
                    url, data=body, content_type="application/x-www-form-urlencoded")
            # The whole body, as a browser reads it: a streamed answer (a CSV export) runs
            # its statements while it is read, and its failures count too.
            answer.get_data()
        except Exception as exc:  # noqa: BLE001 - even the error page failed: the bare 500
            answer = None
            self.log.last = f"(no page at all) {type(exc).__name__}: {str(exc)[:160]}"
        status = answer.status_code if answer is not None else 500
        self.tally.cases += 1
        self.tally.by_status[status] += 1
        if status >= 500:
            self.tally.failures.append(
                f"{status} {visitor.email} {method} {url[:160]} body={body[:200] if body else b''}"
                f" :: {self.log.last}")
        if answer is None:
            visitor.sign_in()
            return
        if status >= 400 and answer.mimetype == "text/html":
            missing = [h for h in ("Content-Security-Policy", "X-Content-Type-Options",
                                   "X-Frame-Options", "Cache-Control") if h not in answer.headers]
            if missing:
                self.tally.header_misses.append(f"{status} {method} {url[:120]} {missing}")
        gone = status == 302 and (answer.location or "").startswith("/login")
        if gone or rule.endpoint in SESSION_CHANGING:
            visitor.sign_in()
