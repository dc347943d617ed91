"""Several people signing in at the same moment, then doing one thing each.

Each person opens the sign-in page, waits at a barrier until everyone has it, then posts the
form at once; signed in, a customer comments on one of their organization's open escalations
(so the scheduler has mail to send while the crowd is still there) and staff open the queue.
Shared by tests/deployed/test_crowd.py (asserts the counts) and bench/signins.py (prints them).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.deployed.visitor import Visitor


@dataclass
class Outcome:
    email: str
    statuses: list[int] = field(default_factory=list)  # every response, in order
    signed_in: bool = False
    sign_in_seconds: float = 0.0
    error: str = ""


@dataclass
class CrowdResult:
    outcomes: list[Outcome]

    @property
    def responses(self) -> Counter:
        return Counter(status for o in self.outcomes for status in o.statuses)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.responses.items() if status >= 500)

    @property
    def signed_in(self) -> int:
        return sum(o.signed_in for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.signed_in or o.error]


def sign_in_together(base_url: str, logins: list[dict], password: str,
                     *, tag: str = "") -> CrowdResult:
    barrier = threading.Barrier(len(logins))

    def one(login: dict) -> Outcome:
        outcome = Outcome(login["email"])
        person = Visitor(base_url)
        try:
            page = person.get("/login")
            barrier.wait(timeout=120)
            started = time.monotonic()
            answer = person.sign_in_from(page, login["email"], password)
            outcome.sign_in_seconds = time.monotonic() - started
            outcome.signed_in = answer.status_code == 302 and not answer.headers[
                "Location"].startswith("/login")
            if not outcome.signed_in:
                return outcome
            person.get(answer.headers["Location"])
            if login.get("comment_on"):
                path = f"/escalations/{login['comment_on']}"
                person.submit(path, f"{path}/comments", **{
                    "comment-body": f"{login['email']} is following this {tag}".strip()})
            else:
                person.get("/admin/")
        except Exception as exc:  # a dropped connection counts, and is shown
            outcome.error = repr(exc)
        finally:
            outcome.statuses = person.statuses
            person.close()
        return outcome

    with ThreadPoolExecutor(max_workers=len(logins)) as pool:
        return CrowdResult(list(pool.map(one, logins)))
