"""Twenty people sign in at the same moment while the scheduler's jobs run every second.

On the SQLite default this answered 500 ("database is locked") to most of a crowd, and the
scheduler's jobs failed with the same error, until a transaction took SQLite's write lock up
front (portal.database). bench/signins.py prints the same figures, and a baseline's.
"""

from __future__ import annotations

from tests.deployed.crowd import sign_in_together

CROWD = 20


def test_twenty_simultaneous_sign_ins_get_no_5xx_and_fail_no_job(deployment):
    """Everyone in a crowd of 20 gets in, nobody sees an error page, no scheduler job fails."""
    logins = deployment.facts["logins"]
    assert len(logins) == CROWD  # every demo login, once each
    mail_before = len(deployment.smtp.messages)
    result = sign_in_together(deployment.base_url, logins, deployment.facts["password"],
                              tag="(crowd)")
    print(f"\n{CROWD} simultaneous sign-ins: responses {dict(sorted(result.responses.items()))}"
          f", signed in {result.signed_in}, slowest sign-in "
          f"{max(o.sign_in_seconds for o in result.outcomes):.2f} s")

    assert result.server_errors == 0, result.failures
    assert [o for o in result.outcomes if o.error] == []
    assert result.signed_in == CROWD
    assert set(result.responses) <= {200, 302}, result.responses
    # The scheduler sends what the crowd's comments caused, and none of its jobs failed.
    deployment.wait_until(lambda: len(deployment.smtp.messages) > mail_before,
                          what="the crowd's comment notices at the SMTP sink")
    assert deployment.failed_jobs() == []
