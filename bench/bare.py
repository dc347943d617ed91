"""The floor: a bare Flask JSON endpoint, no database, no session, no templates.

Served by the same gunicorn process as the portal (see serve.py), so "dashboard / bare" reads
as "what share of what Flask + gunicorn can do at all on this machine the dashboard achieves".
Runs on its own too: `gunicorn --chdir bench bare:app`.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/bare")
def bare():
    return {"ok": True}
