"""The peer's Django project: django-helpdesk 2.6.1 as its install docs set it up, on
PostgreSQL (`bench_helpdesk`), production-like (DEBUG off), loopback only.

Runs in bench/peer/.venv (never the app's venv). The database is reached with the same
BENCH_PG_* variables as bench/common.py; BENCH_HELPDESK_DB names the database.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "clearpath-bench-peer-helpdesk-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    # What django-helpdesk's install docs list (teams mode off, so no pinax-teams).
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # required for the domain used in e-mails
    "django.contrib.humanize",  # required for elapsed time formatting
    "rest_framework",  # the API (helpdesk.urls routes it)
    "helpdesk",
]

MIDDLEWARE = [  # Django's startproject defaults
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "helpdesk_site.urls"
WSGI_APPLICATION = "helpdesk_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,  # with DEBUG off, Django caches the compiled templates
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("BENCH_HELPDESK_DB", "bench_helpdesk"),
        "USER": os.environ.get("BENCH_PG_USER", "postgres"),
        "HOST": os.environ.get("BENCH_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("BENCH_PG_PORT", "5432"),
        # Persistent connections, as a production deployment would configure (Clearpath's
        # SQLAlchemy pool keeps its connections too).
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_ROOT = BASE_DIR / "media"
LOGIN_URL = "/helpdesk/login/"

HELPDESK_TEAMS_MODE_ENABLED = False  # no pinax-teams (docs: "you do not need to use it")
HELPDESK_KB_ENABLED = True
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"  # nothing leaves the machine

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
