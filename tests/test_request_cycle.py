"""The portal's request cycle (portal.request_cycle) runs every hook, view and signal as
Flask's own does: the same calls with the same arguments, in the same order, the same
responses; and Flask's methods are still the ones it copies."""

import hashlib
import inspect

import pytest
from flask import Blueprint, Flask, abort, after_this_request, g, signals

from portal.application import PortalFlask

FLASK_METHODS = ("full_dispatch_request", "finalize_request", "dispatch_request",
                 "preprocess_request", "process_response", "do_teardown_request",
                 "do_teardown_appcontext")
# The source of Flask's methods (3.1) that portal.request_cycle copies: if an upgrade changes
# one, read the new version and copy it again, then update the digest.
FLASK_SOURCE_SHA256 = "382da27322c6f9f166094c2f63962019b39fae6bb5460a1f0c179aaba9d25113"


class FlaskCycle(PortalFlask):
    """The portal's Flask with Flask's own request cycle put back: the reference."""


for _name in (*FLASK_METHODS, "app_context"):
    setattr(FlaskCycle, _name, getattr(Flask, _name))


def _app(cls, log: list):
    app = cls(__name__)
    app.config["SECRET_KEY"] = "cycle"
    bp = Blueprint("bp", __name__, url_prefix="/bp/<lang>")

    @bp.url_value_preprocessor
    def pull_lang(endpoint, values):
        log.append(("bp url values", endpoint, dict(values or {})))
        g.lang = values.pop("lang", None)

    @app.url_value_preprocessor
    def app_values(endpoint, values):
        log.append(("app url values", endpoint, dict(values or {})))

    @app.before_request
    def app_before():
        log.append(("app before",))

    @app.before_request
    def app_before_answers():
        if g.get("answer_early"):
            return "early"
        return None

    @bp.before_request
    def bp_before():
        log.append(("bp before", g.lang))

    @bp.route("/page/<int:n>", methods=["GET", "POST"])
    def page(n):
        log.append(("view", n, g.lang))

        @after_this_request
        def once(response):
            log.append(("after this request", response.status_code))
            response.headers["X-Once"] = "1"
            return response

        if n == 0:
            raise ValueError("handled")
        if n == 1:
            raise KeyError("unhandled")
        if n == 2:
            abort(409)
        if n == 3:
            g.answer_early = True
        return f"page {n}"

    @app.errorhandler(ValueError)
    def value_error(exc):
        log.append(("error handler", str(exc)))
        return "handled", 418

    @app.route("/early")
    def early():
        log.append(("view early",))
        return "view"

    @app.before_request
    def mark_early():
        from flask import request

        if request.path == "/early":
            g.answer_early = True

    @app.route("/session")
    def with_session():
        from flask import session

        session["seen"] = session.get("seen", 0) + 1
        return str(session["seen"])

    @bp.after_request
    def bp_after(response):
        log.append(("bp after", response.status_code))
        response.headers["X-Bp"] = "1"
        return response

    @app.after_request
    def app_after(response):
        log.append(("app after", response.status_code))
        response.headers["X-App"] = "1"
        return response

    @bp.teardown_request
    def bp_teardown(exc):
        log.append(("bp teardown", repr(exc)))

    @app.teardown_request
    def app_teardown(exc):
        log.append(("app teardown", repr(exc)))

    @app.teardown_appcontext
    def app_context_teardown(exc):
        log.append(("app context teardown", repr(exc)))

    app.register_blueprint(bp)
    return app


REQUESTS = [
    ("GET", "/bp/en/page/7"),
    ("POST", "/bp/fr/page/7"),
    ("GET", "/bp/en/page/0"),
    ("GET", "/bp/en/page/1"),
    ("GET", "/bp/en/page/2"),
    ("GET", "/bp/en/page/3"),
    ("GET", "/early"),
    ("GET", "/missing"),
    ("OPTIONS", "/bp/en/page/7"),
    ("DELETE", "/bp/en/page/7"),
    ("GET", "/session"),
]


def _timeless(name: str, value: str) -> str:
    """A header without what depends on the second it was made (a session cookie's signing
    time and signature)."""
    if name == "Set-Cookie" and value.startswith("session="):
        cookie, _, attributes = value.partition("; ")
        return cookie.rsplit(".", 2)[0] + "; " + attributes
    return value


def _run(cls, *, with_signals: bool):
    log: list = []
    app = _app(cls, log)
    receivers = []
    if with_signals:
        def record(name):
            def receiver(sender, **extra):
                log.append((name, sender is app, sorted(
                    (k, repr(v) if isinstance(v, BaseException | None) else v.status_code)
                    for k, v in extra.items())))
            receivers.append(receiver)  # blinker holds receivers weakly
            return receiver

        for name in ("request_started", "request_finished", "request_tearing_down",
                     "appcontext_tearing_down", "got_request_exception", "appcontext_pushed",
                     "appcontext_popped"):
            getattr(signals, name).connect(record(name), app)
    client = app.test_client()
    answers = []
    for method, path in REQUESTS:
        response = client.open(path, method=method)
        answers.append((method, path, response.status_code, response.get_data(),
                        sorted((k, _timeless(k, v)) for k, v in response.headers
                               if k != "Date")))
        log.append(("--",))
    return answers, log


@pytest.mark.parametrize("with_signals", [False, True])
def test_hooks_views_and_signals_run_as_in_flasks_own_cycle(with_signals):
    """Every hook, the view, error handlers, `after_this_request` and connected signals see
    the same arguments in the same order, and the responses are the same."""
    expected = _run(FlaskCycle, with_signals=with_signals)
    assert _run(PortalFlask, with_signals=with_signals) == expected
    if with_signals:
        assert any(entry[0] == "request_finished" for entry in expected[1])
        assert any(entry[0] == "appcontext_popped" for entry in expected[1])


def test_flasks_methods_are_the_ones_the_cycle_copies():
    """An upgrade of Flask that changes a copied method fails here, not in production."""
    source = "".join(inspect.getsource(getattr(Flask, name)) for name in FLASK_METHODS)
    assert hashlib.sha256(source.encode()).hexdigest() == FLASK_SOURCE_SHA256


# The source of Flask's AppContext.push and pop (3.1), which portal.request_cycle's
# SilentAppContext copies: if an upgrade changes one, copy it again, then update the digest.
APP_CONTEXT_SOURCE_SHA256 = "697cf29f21c6ef20d0745bdbe3b00ba350370970ee70cae16857b317a9154627"


def _app_context_source() -> str:
    from flask.ctx import AppContext

    return inspect.getsource(AppContext.push) + inspect.getsource(AppContext.pop)


def test_flasks_app_context_is_the_one_the_cycle_copies():
    """An upgrade of Flask that changes how an app context is pushed or popped fails here."""
    digest = hashlib.sha256(_app_context_source().encode()).hexdigest()
    assert digest == APP_CONTEXT_SOURCE_SHA256


@pytest.mark.parametrize("with_signals", [False, True])
def test_an_app_context_pushed_and_popped_alone_runs_as_flasks(with_signals):
    """Outside a request (a job, the CLI), an app context tears down and signals as Flask's
    does, nested or not, and refuses to pop out of turn as Flask's does."""
    from flask.ctx import AppContext

    from portal.request_cycle import SilentAppContext

    def run(cls):
        log: list = []
        app = PortalFlask(__name__)
        app.teardown_appcontext(lambda exc: log.append(("teardown", repr(exc))))
        receivers = []
        if with_signals:
            for name in ("appcontext_pushed", "appcontext_popped"):
                def receiver(sender, _name=name, **extra):
                    log.append((_name, sender is app, extra))
                receivers.append(receiver)
                getattr(signals, name).connect(receiver, app)
        outer = cls(app)
        outer.push()
        inner = cls(app)
        inner.push()
        inner.pop()
        try:
            raise ValueError("while popping")
        except ValueError:
            outer.push()
            outer.pop()
            outer.pop()
        first, second = cls(app), cls(app)
        first.push()
        second.push()
        with pytest.raises(AssertionError, match="Popped wrong app context"):
            first.pop()
        log.append(("out of turn",))
        return log

    expected = run(AppContext)
    assert run(SilentAppContext) == expected
    assert expected.count(("teardown", "ValueError('while popping')")) == 1
    assert any(entry[0] == "appcontext_pushed" for entry in expected) is with_signals
    assert type(PortalFlask(__name__).app_context()) is SilentAppContext
