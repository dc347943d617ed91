"""Reading the two payloads into alerts, field by field, before anything is written.

`alertmanager()` reads Prometheus Alertmanager's webhook body (version 4); `generic()` reads
the documented JSON alert (README, "Monitoring signals"). Each returns the alerts, or the
messages by field (`alerts[0].status`, `dedupe_key`) that the endpoint answers as a 422.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.signals.mapping import severity_of

STATUSES = ("firing", "resolved")
KEY_MAX, TITLE_MAX, SOURCE_MAX, TEXT_MAX, LABELS_MAX = 200, 200, 80, 5000, 64
GENERIC_FIELDS = ("source", "dedupe_key", "organization", "severity", "title",
                  "description", "status", "labels")


@dataclass(frozen=True)
class Alert:
    dedupe_key: str
    status: str  # firing | resolved
    title: str
    description: str = ""
    labels: dict = field(default_factory=dict)
    organization: str | None = None  # a slug, when the sender names one
    severity: int | None = None
    source: str = ""
    fingerprint: str = ""  # Alertmanager's; with starts_at it recognises a repeated alert
    starts_at: str = ""

    @property
    def firing(self) -> bool:
        return self.status == "firing"


Errors = dict[str, list[str]]


def _labels(value, where: str, errors: Errors) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        errors.setdefault(where, []).append("Labels must be an object of text values.")
        return {}
    if len(value) > LABELS_MAX:
        errors.setdefault(where, []).append(f"At most {LABELS_MAX} labels.")
    return value


def _text(body: dict, name: str, errors: Errors, *, where: str = "", required: bool = False,
          limit: int = TEXT_MAX) -> str:
    where = where or name
    value = body.get(name)
    if value is None or value == "":
        if required:
            errors.setdefault(where, []).append("This field is required.")
        return ""
    if not isinstance(value, str):
        errors.setdefault(where, []).append("Must be text.")
        return ""
    if len(value) > limit:
        errors.setdefault(where, []).append(f"At most {limit} characters.")
    return value.strip()


def _status(value, where: str, errors: Errors) -> str:
    if value not in STATUSES:
        errors.setdefault(where, []).append('Must be "firing" or "resolved".')
        return ""
    return value


def generic(body) -> tuple[list[Alert], Errors]:
    """The generic JSON alert; `title` is required while firing."""
    if not isinstance(body, dict):
        return [], {"body": ["Send one JSON object."]}
    errors: Errors = {}
    for name in body:
        if name not in GENERIC_FIELDS:
            errors.setdefault(name, []).append("Unknown field.")
    source = _text(body, "source", errors, required=True, limit=SOURCE_MAX)
    key = _text(body, "dedupe_key", errors, required=True, limit=KEY_MAX)
    status = _status(body.get("status"), "status", errors)
    title = _text(body, "title", errors, required=status == "firing", limit=TITLE_MAX)
    description = _text(body, "description", errors)
    organization = _text(body, "organization", errors, limit=80) or None
    severity = None
    if body.get("severity") is not None:
        severity = severity_of(body["severity"])
        if severity is None:
            errors.setdefault("severity", []).append(
                "Must be 1–4 or critical, high, medium, low.")
    labels = _labels(body.get("labels"), "labels", errors)
    if errors:
        return [], errors
    return [Alert(dedupe_key=key, status=status, title=title or key, description=description,
                  labels=labels, organization=organization, severity=severity,
                  source=source)], {}


def alertmanager(body) -> tuple[list[Alert], Errors]:
    """Alertmanager's webhook (version 4). The dedupe key is the alert's `dedupe_key` label
    when it has one (several alerts, one escalation), else its fingerprint."""
    if not isinstance(body, dict):
        return [], {"body": ["Send Alertmanager's webhook JSON object."]}
    errors: Errors = {}
    if str(body.get("version", "4")) != "4":
        errors["version"] = ["Only version 4 of Alertmanager's webhook is understood."]
    raw = body.get("alerts")
    if not isinstance(raw, list) or not raw:
        errors.setdefault("alerts", []).append("Send at least one alert.")
        raw = []
    alerts = []
    for index, item in enumerate(raw):
        where = f"alerts[{index}]"
        if not isinstance(item, dict):
            errors.setdefault(where, []).append("Each alert is an object.")
            continue
        labels = _labels(item.get("labels"), f"{where}.labels", errors)
        annotations = _labels(item.get("annotations"), f"{where}.annotations", errors)
        status = _status(item.get("status"), f"{where}.status", errors)
        fingerprint = _text(item, "fingerprint", errors, where=f"{where}.fingerprint",
                            limit=64)
        key = (labels.get("dedupe_key") or fingerprint or
               f"{body.get('groupKey', '')}/{labels.get('alertname', '')}")[:KEY_MAX]
        title = (annotations.get("summary") or annotations.get("title")
                 or labels.get("alertname") or key)[:TITLE_MAX]
        alerts.append(Alert(
            dedupe_key=key, status=status, title=title,
            description=annotations.get("description", "")[:TEXT_MAX], labels=labels,
            severity=severity_of(labels.get("severity")), source="alertmanager",
            fingerprint=fingerprint, starts_at=str(item.get("startsAt", ""))[:40]))
    if errors:
        return [], errors
    return alerts, {}
