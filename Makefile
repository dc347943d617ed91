# The two quickstart commands: `make demo` and `make test`. Everything installs from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := wsgi

.PHONY: demo test install

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Migrate the embedded SQLite database, seed the demo world (once), and serve it with the
# scheduler at http://127.0.0.1:5000. Plain HTTP on loopback, so the cookie cannot be Secure.
demo: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	PORTAL_SESSION_COOKIE_SECURE=false $(BIN)/flask serve --host 127.0.0.1 --port 5000

# The whole suite twice: on SQLite, then on PostgreSQL.
test: install
	$(BIN)/pytest
	PORTAL_TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/pytest
