"""What gunicorn serves for bench/signals.py: the portal, and at /bare/signals a bare Flask
endpoint that reads the same JSON body and answers 202 without doing anything with it (the
floor the ingestion figure is read against, in the same process, workers and socket)."""

import common  # noqa: F401  (puts the application tree on sys.path before `wsgi` loads)
from flask import Flask, request

from wsgi import app as portal_app

BARE_PATH = "/bare/signals"
bare = Flask(__name__)


@bare.post(BARE_PATH)
def bare_signals():
    body = request.get_json(silent=True) or {}
    return {"accepted": bool(body)}, 202


def app(environ, start_response):
    if environ.get("PATH_INFO") == BARE_PATH:
        return bare(environ, start_response)
    return portal_app(environ, start_response)
