"""The WSGI app gunicorn serves during the benchmark: the real portal (`wsgi:app`, configured
from PORTAL_* variables) and, at exactly /bare, the bare Flask app.

One gunicorn process, one set of workers and threads, one socket and one keep-alive policy
for both, so the only difference between the two measurements is the application code. The
dispatch is one string comparison, paid by both sides alike.
"""

import bare
import common  # noqa: F401  (puts the application tree on sys.path before `wsgi` loads)

from wsgi import app as portal_app

BARE_PATH = "/bare"


def app(environ, start_response):
    if environ.get("PATH_INFO") == BARE_PATH:
        return bare.app(environ, start_response)
    return portal_app(environ, start_response)
