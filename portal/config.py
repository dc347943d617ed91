"""Settings: defaults here, then an optional instance file, then `PORTAL_*` environment variables.

Every setting can be overridden from the environment with the `PORTAL_` prefix, for example
`PORTAL_DATABASE_URL=postgresql+psycopg://…` or `PORTAL_RATELIMIT_STORAGE_URI=redis://…`.
Values are parsed as JSON when they look like JSON (`true`, `30`, `{"a": 1}`).
"""

from datetime import timedelta


class Defaults:
    """The embedded demo: SQLite in `instance/`, memory rate limits, the scheduler in-process."""

    SECRET_KEY = None  # generated into instance/secret_key on first start when not configured
    DATABASE_URL = None  # None means instance/clearpath.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # Sessions: a signed cookie plus a server-side session version on the user row.
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)  # or a number of seconds from the environment
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_REFRESH_EACH_REQUEST = False  # the cookie is re-sent only when the session changes
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Login throttling (Flask-Limiter reads RATELIMIT_*): memory for the demo, Redis in production.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute; 50 per hour"
    LOGIN_RATE_LIMIT_PER_EMAIL = "5 per minute; 20 per hour"
    # "Forgot your password?" requests, per client address and per email address typed.
    PASSWORD_RESET_RATE_LIMIT = "5 per minute; 20 per hour"
    PASSWORD_RESET_RATE_LIMIT_PER_EMAIL = "3 per hour; 10 per day"
    # Private feeds (portal.feeds), per feed token: readers and calendars poll every few minutes.
    FEED_RATE_LIMIT = "30 per minute; 600 per hour"
    # An unacknowledged on-call page repeats this often (portal.oncall.paging), unless the
    # administrators' setting says otherwise for a team or for every team.
    ONCALL_PAGE_REPEAT_MINUTES = 10

    # Two-factor sign-in (portal.accounts.two_factor). Administrators and escalation managers
    # must have a second factor (and whoever a runtime setting or their organization adds).
    # False ONLY for test harnesses that sign staff in by password alone: nobody is then
    # *required* to enrol, but a person who has a second factor is still asked for it.
    TWO_FACTOR_ENFORCE_REQUIRED = True
    TWO_FACTOR_ISSUER = "Clearpath"  # the name authenticator apps show beside the code
    TWO_FACTOR_PENDING_SECONDS = 600  # between the password and the code (or enrolment)
    TWO_FACTOR_MAX_FAILURES = 5  # wrong codes before the password step must be done again
    TWO_FACTOR_RATE_LIMIT = "10 per minute; 60 per hour"  # code attempts per client address
    TWO_FACTOR_RATE_LIMIT_PER_USER = "5 per minute; 30 per hour"  # per person signing in

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    # Argon2id (OWASP: m=19 MiB, t=2, p=1 at least); we use more memory.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    PASSWORD_HASH_PARALLELISM = 1

    POLL_INTERVAL_SECONDS = 15
    # Live pages (portal.live): on PostgreSQL each worker process listens for changes and
    # answers repeat dashboard requests from memory (304s and rendered pages) until one comes.
    LIVE_MEMO = True

    # Where links in emails and webhooks point (no request to read the host from in jobs).
    PUBLIC_URL = "http://127.0.0.1:5000"

    # Outbound mail. Without SMTP_HOST (the demo) sent mail is shown in the console instead.
    SMTP_HOST = ""
    SMTP_PORT = 25
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = False
    SMTP_TIMEOUT_SECONDS = 10
    MAIL_FROM = "Clearpath <escalations@clearpath.example.com>"
    MAIL_MESSAGE_ID_DOMAIN = "clearpath.example.com"
    WEBHOOK_TIMEOUT_SECONDS = 5
    # Webhook endpoints (README "Webhooks"): hosts exempt from the https-only and public-address
    # rule (host names or IP literals as written in the URL), and how long a rotated secret
    # keeps signing beside the new one.
    WEBHOOK_ALLOWED_HOSTS: list = []
    WEBHOOK_ROTATION_OVERLAP_HOURS = 24

    # Delivery: retries with capped exponential backoff and jitter, then the dead letters.
    NOTICE_MAX_ATTEMPTS = 8
    NOTICE_BACKOFF_BASE_SECONDS = 30
    NOTICE_BACKOFF_CAP_SECONDS = 3600
    NOTICE_LEASE_SECONDS = 120
    NOTICE_BATCH_SIZE = 50
    # The scheduler's intervals by job name, over the defaults in portal.scheduler, for example
    # PORTAL_SCHEDULER_JOB_SECONDS='{"dispatch-notices": 2, "daily-digests": 60}'.
    SCHEDULER_JOB_SECONDS: dict = {}
    # A scheduler that finds another holding the lead (portal.leadership) tries again this often.
    SCHEDULER_STANDBY_SECONDS = 5
    PRIORITY_WEIGHTS: dict | None = None  # None: portal.escalations.priority.DEFAULT_WEIGHTS
    # Report PDFs not yet cached are made in the background (portal.reports.jobs): by this many
    # threads in each web process, and by the scheduler's `prepare-reports` job for the rest.
    REPORT_RENDER_THREADS = 2


class TestConfig:
    """pytest: a database given by the test fixtures, cheap hashes, plain-HTTP cookies."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SESSION_COOKIE_SECURE = False
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 8192
    RATELIMIT_STORAGE_URI = "memory://"
    # Most tests sign administrators and escalation managers in by password; the two-factor
    # tests (tests/auth/test_two_factor*.py) turn this back on, as production has it.
    TWO_FACTOR_ENFORCE_REQUIRED = False
    # Every test runs in a rolled-back transaction, so no change notification would ever
    # arrive; the live memo's own tests commit for real in a database of their own.
    LIVE_MEMO = False
    # Tests run render jobs themselves (portal.reports.jobs.prepare_reports), never a thread.
    REPORT_RENDER_THREADS = 0
    # The webhook tests deliver to real receivers on loopback; tests/webhooks/test_ssrf.py
    # turns this off to check the rule itself.
    WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


def positive_seconds(value, setting: str) -> float:
    """A setting that is a number of seconds, checked: a typo stops the process with its name."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{setting} must be a positive number of seconds, not {value!r}")
    return value


def settings_of(config_class: type, **overrides) -> dict:
    """A config class's settings as a mapping for `create_app`, with overrides."""
    values = {key: value for key, value in vars(config_class).items() if key.isupper()}
    values.update(overrides)
    return values
