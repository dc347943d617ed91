from flask import Blueprint

bp = Blueprint("customer", __name__)

from portal.customer import views  # noqa: E402,F401  (routes register on import)
