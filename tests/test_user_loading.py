"""The portal's user loading (portal.login) answers as Flask-Login's own: the same user, the
same session afterwards and the same signals, in every way a request can carry a user; and
Flask-Login's methods are still the ones it copies. `db.session` is scoped to the app context
as Flask-SQLAlchemy scopes it."""

import hashlib
import inspect
import json

import flask_login.utils
import pytest
from flask import Flask, g, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_login import signals as login_signals
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from portal.extensions import app_context_scope, db
from portal.login import PortalLoginManager, signed_in_user

COPIED = (LoginManager._load_user, LoginManager._session_protection_failed,
          LoginManager._update_request_context_with_user, flask_login.utils._get_user)
# The source of Flask-Login's (0.6.3) functions that portal.login copies: if an upgrade
# changes one, read the new version and copy it again, then update the digest.
FLASK_LOGIN_SOURCE_SHA256 = "e164b851817704bff538efcac07f217b137b08cd45f32d3424b521598b7c01bf"


class Person(UserMixin):
    def __init__(self, id):
        self.id = id


def _app(manager_class, log, *, protection="basic", loaders=("user",), use_signed_in=False):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="login", SESSION_PROTECTION=protection)
    manager = manager_class()
    manager.init_app(app)
    if "user" in loaders:
        @manager.user_loader
        def load(user_id):
            log.append(("user loader", user_id))
            return Person(user_id) if user_id != "gone" else None
    if "request" in loaders:
        @manager.request_loader
        def from_request(req):
            log.append(("request loader", req.headers.get("X-Key")))
            key = req.headers.get("X-Key")
            return Person("key-" + key) if key else None

    @app.route("/login/<user_id>")
    def login(user_id):
        login_user(Person(user_id), remember=request.args.get("remember") == "1")
        return "in"

    @app.route("/logout")
    def logout():
        logout_user()
        return "out"

    @app.route("/who")
    def who():
        user = signed_in_user() if use_signed_in else current_user._get_current_object()
        again = current_user._get_current_object()
        return json.dumps({"user": user.get_id(), "authenticated": user.is_authenticated,
                           "same": user is again and g._login_user is user,
                           "session": {k: v for k, v in session.items()}}, default=str)

    return app


def _signals(app, log):
    receivers = []
    for name in ("user_accessed", "session_protected", "user_loaded_from_cookie",
                 "user_loaded_from_request"):
        def receiver(sender, _name=name, **extra):
            log.append((_name, sender is app, sorted(extra)))
        receivers.append(receiver)
        getattr(login_signals, name).connect(receiver, app)
    return receivers


SCENARIOS = {
    "anonymous": [("/who", {})],
    "signed in, same browser": [("/login/7", {}), ("/who", {}), ("/who", {})],
    "signed in, another browser": [("/login/7", {}), ("/who", {"User-Agent": "other"}),
                                   ("/who", {})],
    "the loader refuses": [("/login/gone", {}), ("/who", {})],
    "remember cookie only": [("/login/9?remember=1", {}), ("/drop-session", {}),
                             ("/who", {}), ("/who", {})],
    "signed out": [("/login/7", {}), ("/logout", {}), ("/who", {})],
    "request loader": [("/who", {"X-Key": "abc"}), ("/who", {})],
}


def _timeless(set_cookie: str) -> str:
    """A Set-Cookie header without what depends on the second it was made: the session
    cookie's signing time and signature, an Expires date."""
    name_value, *attributes = set_cookie.split("; ")
    name, _, value = name_value.partition("=")
    if name == "session":
        value = value.rsplit(".", 2)[0]
    kept = [a for a in attributes if not a.startswith("Expires=")]
    return "; ".join([f"{name}={value}", *kept])


def _run(manager_class, scenario, *, protection, loaders, with_signals, use_signed_in=False):
    log: list = []
    app = _app(manager_class, log, protection=protection, loaders=loaders,
               use_signed_in=use_signed_in)
    keep = _signals(app, log) if with_signals else None
    client = app.test_client()
    answers = []
    for path, headers in SCENARIOS[scenario]:
        if path == "/drop-session":
            client.delete_cookie("session")
            continue
        response = client.get(path, headers={"User-Agent": "browser", **headers})
        answers.append((path, response.status_code, response.get_data(as_text=True),
                        sorted(map(_timeless, response.headers.getlist("Set-Cookie")))))
    del keep
    return answers, log


@pytest.mark.parametrize("with_signals", [False, True])
@pytest.mark.parametrize("protection", ["basic", "strong", None])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_user_and_session_are_flask_logins(scenario, protection, with_signals):
    """Whoever a request carries (session, remember cookie, request loader, nobody), in each
    protection mode, the portal's loading finds the same user and leaves the same session,
    sending the same signals."""
    loaders = ("user", "request") if scenario == "request loader" else ("user",)
    expected = _run(LoginManager, scenario, protection=protection, loaders=loaders,
                    with_signals=with_signals)
    assert _run(PortalLoginManager, scenario, protection=protection, loaders=loaders,
                with_signals=with_signals) == expected
    assert _run(PortalLoginManager, scenario, protection=protection, loaders=loaders,
                with_signals=with_signals, use_signed_in=True) == expected


def test_signed_in_user_outside_a_request_is_current_users_answer():
    app = Flask(__name__)
    PortalLoginManager().init_app(app)
    with app.app_context():
        assert signed_in_user() is None is current_user._get_current_object()


def test_flask_logins_functions_are_the_ones_copied():
    """An upgrade of Flask-Login that changes a copied function fails here."""
    source = "".join(inspect.getsource(function) for function in COPIED)
    assert hashlib.sha256(source.encode()).hexdigest() == FLASK_LOGIN_SOURCE_SHA256


def test_db_session_is_scoped_to_the_app_context_as_flask_sqlalchemy_scopes_it(app):
    """One session per app context (a nested context has its own), the context Flask-
    SQLAlchemy's own scope names; outside any context, Flask-SQLAlchemy's own error."""
    sessions = scoped_session(sessionmaker(), scopefunc=app_context_scope)
    with app.app_context():
        assert id(app_context_scope()) == _app_ctx_id()
        outer = sessions()
        assert sessions() is outer
        with app.app_context():
            assert id(app_context_scope()) == _app_ctx_id()
            inner = sessions()
            assert inner is not outer
            sessions.remove()
        assert sessions() is outer
        sessions.remove()
    assert sessions.registry.registry == {}  # nothing (no context) is held once removed
    with pytest.raises(RuntimeError) as ours:
        app_context_scope()
    with pytest.raises(RuntimeError) as theirs:
        _app_ctx_id()
    assert str(ours.value) == str(theirs.value)


def test_the_apps_session_is_scoped_so():
    assert db.session.registry.scopefunc is app_context_scope


# The source of Flask-Login's (0.6.3) `login_required`, which portal.login copies.
LOGIN_REQUIRED_SOURCE_SHA256 = "3b0029b4f35bb19a38641326d0b24477840f15de025466724c2daa9812e13d32"


def _guarded_answers(decorator, *, login_view):
    from portal.login import PortalLoginManager

    log: list = []
    app = Flask(__name__)
    app.config.update(SECRET_KEY="login")
    manager = PortalLoginManager()
    manager.init_app(app)
    manager.login_view = login_view

    @manager.user_loader
    def load(user_id):
        return Person(user_id)

    @app.route("/login/<user_id>")
    def login(user_id):
        login_user(Person(user_id))
        return "in"

    @app.route("/sign-in")
    def sign_in():
        return "sign in here"

    @app.route("/guarded/<int:n>", methods=["GET", "POST", "OPTIONS"])
    @decorator
    def guarded(n):
        """The guarded view."""
        log.append(("view", n, request.method, current_user.get_id()))
        return f"guarded {n}"

    answers = [(guarded.__name__, guarded.__doc__, guarded.__wrapped__.__name__)]
    client = app.test_client()
    for step in ("GET", "OPTIONS", "POST", "login", "GET", "POST", "OPTIONS", "disabled"):
        if step == "login":
            client.get("/login/7")
            continue
        if step == "disabled":
            app.config["LOGIN_DISABLED"] = True
            client.delete_cookie("session")
            step = "GET"
        response = client.open("/guarded/3", method=step)
        answers.append((step, response.status_code, response.get_data(as_text=True),
                        response.headers.get("Location")))
    with app.app_context(), pytest.raises(RuntimeError) as outside:
        guarded(1)
    answers.append(str(outside.value))
    return answers, log


@pytest.mark.parametrize("login_view", [None, "sign_in"])
def test_a_guarded_view_answers_as_flask_logins_login_required(login_view):
    """Anonymous people are refused (or sent to sign in) and the signed-in served, OPTIONS
    and LOGIN_DISABLED let through, exactly as Flask-Login's decorator does."""
    from flask_login import login_required as flask_login_required

    from portal.login import login_required

    expected = _guarded_answers(flask_login_required, login_view=login_view)
    assert _guarded_answers(login_required, login_view=login_view) == expected
    assert ("view", 3, "GET", "7") in expected[1]


def test_flask_logins_login_required_is_the_one_copied():
    """An upgrade of Flask-Login that changes `login_required` fails here."""
    source = inspect.getsource(flask_login.utils.login_required)
    assert hashlib.sha256(source.encode()).hexdigest() == LOGIN_REQUIRED_SOURCE_SHA256
