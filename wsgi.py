"""Entry point for `flask --app wsgi` and `gunicorn wsgi:app`."""

import gc

from portal import create_app

app = create_app()
# Everything built so far (modules, mappers, the app, its templates' environment: about a
# quarter of a million objects) lives as long as the process. Frozen, the collector stops
# walking them on every full collection: such a pass over the whole heap held a worker for
# ~0.1 s at a time (bench/README.md, "Garbage collection"). Only here, in the process that
# serves: the tests build many apps and must be able to collect them.
gc.freeze()
