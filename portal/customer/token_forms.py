"""The API token form, shared by the console's token page and the customer admin's: the
scopes offered are the issuer's (portal.api.tokens)."""

from __future__ import annotations

from datetime import date, datetime, time

from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.api.tokens import NAME_MAX
from portal.forms import MultiCheckboxField, PortalForm


class TokenForm(PortalForm):
    name = StringField("Name", description="What will use it, e.g. “helpdesk sync”.",
                       validators=[DataRequired("Name the token after what will use it."),
                                   Length(max=NAME_MAX)])
    scopes = MultiCheckboxField("Scopes", validators=[
        DataRequired("Choose at least one scope.")])
    expires_on = DateField("Expires on (optional)", validators=[Optional()],
                           description="It stops working at the end of that day; leave "
                                       "empty for a token that lasts until revoked.")

    def __init__(self, scopes: dict[str, str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = list(scopes.items())


def end_of_day(day: date | None, zone) -> datetime | None:
    """The last instant of `day` in the person's timezone (a token's expiry)."""
    if day is None:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)
