"""Forms of the console's single sign-on pages."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from admin.account_forms import _optional_int
from portal.accounts.single_sign_on.configuration import CUSTOMER_JIT_ROLES, STAFF_JIT_ROLES
from portal.forms import PortalForm

SECRET_HELP = "Stored encrypted; never shown again. Leave empty to keep the stored secret."


class StaffProviderForm(PortalForm):
    enabled = BooleanField("Offer single sign-on", default=True,
                           description="Off: the button disappears and nobody signs in "
                                       "through this provider; the settings stay.")
    issuer = StringField("Issuer URL", description="As the provider states it, for example "
                         "https://login.example.com/realms/acme. Its discovery document is "
                         "read from <issuer>/.well-known/openid-configuration.",
                         validators=[DataRequired("Give the issuer's URL."), Length(max=500)])
    client_id = StringField("Client id", validators=[DataRequired("Give the client id."),
                                                     Length(max=255)])
    client_secret = PasswordField("Client secret", description=SECRET_HELP,
                                  validators=[Length(max=1000)])
    domains = TextAreaField("Allowed email domains", description="One or more, separated by "
                            "spaces, commas or lines. The sign-in page offers single sign-on "
                            "to these domains; a person of another domain is refused.",
                            validators=[DataRequired("Give at least one email domain."),
                                        Length(max=5000)])
    default_role = SelectField(
        "Role of people new to Clearpath",
        choices=[SelectChoice(role.value, role.label) for role in STAFF_JIT_ROLES],
        description="Given to someone who signs in for the first time. Administrators are "
                    "only ever named by another administrator.",
        validators=[InputRequired("Choose a role.")])


class OrganizationProviderForm(StaffProviderForm):
    default_role = SelectField(
        "Role of people new to Clearpath",
        choices=[SelectChoice(role.value, role.label) for role in CUSTOMER_JIT_ROLES],
        description="Given to someone of an allowed domain who signs in for the first time.",
        validators=[InputRequired("Choose a role.")])
    require_sso = BooleanField("Require single sign-on",
                               description="Password sign-in is refused for this "
                                           "organization's people, except the break-glass "
                                           "admin below.")
    break_glass_user_id = SelectField(
        "Break-glass admin", coerce=_optional_int, validate_choice=False,
        description="The one customer admin who may still sign in with a password, for the "
                    "day the provider is down.")
