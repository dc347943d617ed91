"""Who someone is and what they may do: sign-in and sessions, invitations, the permissions
table, preview as customer, each request's tenancy decision.

The mechanics (permissions, operations, preview, access) import nothing of the web routes, so
any domain may use them. The routes (`views`, `invitations`) register on `bp` when the app
factory imports them.
"""

from flask import Blueprint

bp = Blueprint("auth", __name__)
