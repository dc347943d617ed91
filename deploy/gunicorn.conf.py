"""Gunicorn settings for Clearpath: `gunicorn --config deploy/gunicorn.conf.py wsgi:app`.

The README's "Deploying" section runs exactly this file, and so does the deployed-shape test
package (tests/deployed/), so the two cannot drift. Command-line flags override it (the tests
add `--bind` with a free port; `--worker-class sync` for the sync-worker check).

Why these values:
- gthread workers: requests mostly wait on the database, so a few threads per process serve
  more people than processes alone, at a fraction of the memory. At least 2 processes, so one
  busy render or a restarting worker never takes the whole node down.
- timeout 30 s: above the report renderer's bound (`reports.render_timeout_seconds`, 20 s:
  the render child is killed and the user gets a 503 page that says so) and SQLite's busy
  timeout (15 s), so a slow request ends with the app's own answer, never with gunicorn
  killing the worker mid-response.
- graceful_timeout 30 s: a deploy lets in-flight downloads and sign-ins finish.
- access and error logs on stdout/stderr: the process supervisor keeps them.

Environment: WEB_CONCURRENCY (worker processes, default 2 × cores, at least 2),
GUNICORN_THREADS (threads per worker, default 4), GUNICORN_BIND (default 127.0.0.1:8000,
behind a TLS-terminating proxy).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = max(2, int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count())))
threads = max(1, int(os.environ.get("GUNICORN_THREADS", 4)))
timeout = 30
graceful_timeout = 30
keepalive = 5
# Bounded request lines and headers (gunicorn's defaults, stated so they are not lost).
limit_request_line = 4094
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# Never preload: each worker opens its own database connections and live-feed listener
# after the fork, and the scheduler runs in its own process (README "Deploying").
preload_app = False
# No control socket (gunicorn 23+ makes one in the home directory): several gunicorns on one
# host would share its path, and nothing here uses `gunicornc`.
control_socket_disable = True
