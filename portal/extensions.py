"""Unbound extensions; `create_app` calls `init_app` on each."""

from flask.globals import _cv_app
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import _app_ctx_id
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from portal.login import PortalLoginManager

# Named constraints keep migrations reproducible on PostgreSQL and batch mode on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def app_context_scope():
    """What `db.session` is scoped to: the current app context, as Flask-SQLAlchemy scopes it
    (its default keys by the context's id, read through the `current_app` proxy: four calls,
    on every use of `db.session`), here the context itself from its context variable. Outside
    one, Flask-SQLAlchemy's own error. The session is removed when the context tears down,
    which lets the context go."""
    ctx = _cv_app.get(None)
    return ctx if ctx is not None else _app_ctx_id()  # (raises outside an app context)


db = SQLAlchemy(model_class=Base, session_options={"scopefunc": app_context_scope})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = PortalLoginManager()  # Flask-Login's, read without proxies
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
htmx = HTMX()
