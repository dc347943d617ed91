"""Integrations: a new one, and its mapping rules and defaults."""

from __future__ import annotations

from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.forms import PortalForm
from portal.signals.models import AuthMethod, IntegrationKind

RULES_HELP = ("One rule per line, first match wins: labels, then -> and what they map to. "
              'Example: service=db env=prod -> organization=acme severity=1 '
              'product_area="Data platform". Parts a rule leaves out come from the alert, '
              "then from the defaults below.")


class NewIntegrationForm(PortalForm):
    name = StringField("Name", validators=[DataRequired("Name the integration."),
                                           Length(max=80)])
    kind = SelectField("Sends", choices=[SelectChoice(kind.value, kind.label)
                                           for kind in IntegrationKind])
    auth_method = SelectField("Authentication", choices=[
        SelectChoice(method.value, method.label) for method in AuthMethod],
        description="Alertmanager can send a bearer token (http_config.authorization).")


class ConfigureForm(PortalForm):
    rules = TextAreaField("Mapping rules", description=RULES_HELP,
                          validators=[Length(max=20_000)])
    default_organization = SelectField("Default organization", coerce=int,
                                       validators=[Optional()])
    default_severity = IntegerField("Default severity (1–4)", validators=[
        DataRequired("Give a default severity."), NumberRange(1, 4)])
    default_product_area = StringField("Default product area", validators=[Length(max=80)])
