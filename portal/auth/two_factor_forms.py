"""The two-factor forms: a code, a confirmation, a requirement switch."""

from __future__ import annotations

from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.forms import PortalForm


def _six_digits(form, field) -> None:
    digits = "".join((field.data or "").split())
    if not (len(digits) == 6 and digits.isascii() and digits.isdigit()):
        raise ValidationError("Enter the 6-digit code your app shows now.")


class SignInCodeForm(PortalForm):
    code = StringField(
        "Authentication code",
        validators=[DataRequired("Enter the code from your authenticator app."),
                    Length(max=64, message="That is not a code.")],
        description="The 6-digit code your authenticator app shows, or one of your "
                    "recovery codes.")
    submit = SubmitField("Verify")


class ConfirmCodeForm(PortalForm):
    code = StringField("Code from your app",
                       validators=[DataRequired("Enter the 6-digit code your app shows now."),
                                   Length(max=64), _six_digits],
                       description="After adding the account, your app shows a 6-digit code.")
    submit = SubmitField("Turn on two-factor sign-in")


class CurrentCodeForm(PortalForm):
    """Disabling and new recovery codes both ask for a current code first."""

    code = StringField("Current code",
                       validators=[DataRequired("Enter a current code from your app."),
                                   Length(max=64, message="That is not a code.")],
                       description="A code from your app, or an unused recovery code.")


class ContinueForm(PortalForm):
    submit = SubmitField("I have saved my recovery codes")


class RequirementForm(PortalForm):
    required = BooleanField("Require two-factor sign-in")
    submit = SubmitField("Save")
