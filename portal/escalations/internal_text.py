"""Text that looks internal, found before an update goes to a customer.

`find_internal_text(text, escalation)` reports hostnames of our infrastructure (and any host
outside the allow-list of public and customer domains), IPv4 and IPv6 addresses, names of staff
the customer does not already know from this escalation, names of other customers, and the
mechanics of our own rules (composite priority scores, thresholds, rule names). The
author sees the findings and edits or confirms: a warning, never a block on its own.

Version numbers (4.2.1), times (10:30, 10:30:15), decimals and file names are not findings.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.enums import CUSTOMER_ROLES
from portal.extensions import db
from portal.settings import get_setting

# Domains a customer may read about: ours, public documentation, status pages.
PUBLIC_DOMAINS = ("updates.public_domains", ["clearpath.example.com", "example.com"])

# Suffixes that only make sense inside a network.
INTERNAL_SUFFIXES = ("internal", "corp", "local", "lan", "intra", "intranet", "localdomain",
                     "home.arpa", "private", "prod", "staging", "svc", "cluster.local")

# Top-level domains recognised for two-label names ("status.io"); longer names (a.b.tld) are
# hosts whatever their TLD, unless their last label is a file extension.
COMMON_TLDS = frozenset({
    "com", "net", "org", "io", "dev", "app", "cloud", "co", "biz", "info", "tech", "ai",
    "eu", "uk", "de", "fr", "nl", "us", "ca", "au", "jp", "cn", "in", "ch", "se", "no", "es",
    "it", "pl", "be", "at", "dk", "fi", "ie", "nz", "sg", "br", "mx", "gov", "edu",
})
FILE_EXTENSIONS = frozenset({
    "py", "js", "ts", "json", "yaml", "yml", "txt", "log", "md", "html", "htm", "css", "csv",
    "xml", "conf", "cfg", "ini", "toml", "sql", "java", "jar", "rb", "php", "pdf", "png",
    "jpg", "jpeg", "gif", "svg", "zip", "gz", "tgz", "tar", "exe", "dll", "so", "bin", "img",
    "iso", "msi", "deb", "rpm", "env", "lock", "bak", "tmp", "pem", "crt", "key", "xlsx",
    "docx", "pptx", "doc", "xls",
})

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"(?<![\w.@-])((?:{_LABEL}\.)+[a-z][a-z0-9-]*[a-z0-9])(?![\w-]|\.\w)",
                   re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])((?:\d{1,3}\.){3}\d{1,3})(?:/\d{1,2})?(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])([0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})(?:/\d{1,3})?(?![\w:])",
                   re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
# How our rules decide (portal.escalations.priority, portal.rules): customers hear what a
# decision means for them, never the score, the threshold or the rule that made it.
_MECHANICS = re.compile(
    r"\bcomposite\s+priority\b|\bpriority\s+score\b|\bpriority_threshold\b|\bauto_tier\b"
    r"|\bscore\s*(?:of\s*)?\d+|[≥>]=?\s*threshold\b|\bthreshold\s*(?:of\s*)?\d+",
    re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: str  # "hostname", "ip_address", "staff_name", "organization", "mechanics"
    text: str  # what was found, as written

    @property
    def label(self) -> str:
        return {
            "hostname": "Hostname",
            "ip_address": "IP address",
            "staff_name": "Staff name the customer does not know",
            "organization": "Another customer's name",
            "mechanics": "Internal mechanics (scores, thresholds, rule names)",
        }[self.kind]


def find_internal_text(text: str, escalation, *, author=None) -> list[Finding]:
    """Everything in `text` that looks internal for this escalation's customer, in order of
    appearance, each distinct finding once. The author's name is not a finding: customers read
    it on the update."""
    findings: list[tuple[int, Finding]] = []
    findings += _addresses(text)
    findings += [(match.start(), Finding("mechanics", match.group(0)))
                 for match in _MECHANICS.finditer(text)]
    findings += _hostnames(text, _allowed_domains(escalation))
    findings += _names(text, *_unknown_names(escalation, getattr(author, "id", None)))
    seen, ordered = set(), []
    for _, finding in sorted(findings, key=lambda item: item[0]):
        key = (finding.kind, finding.text.lower())
        if key not in seen:
            seen.add(key)
            ordered.append(finding)
    return ordered


def _addresses(text: str) -> list[tuple[int, Finding]]:
    found = []
    for match in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(match.group(1))
        except ValueError:
            continue  # 999.1.2.3, or a four-part version number with a big part
        found.append((match.start(), Finding("ip_address", match.group(0))))
    for match in _IPV6.finditer(text):
        candidate = match.group(1)
        # Times (10:30, 10:30:15) have neither "::" nor eight groups.
        if "::" not in candidate and candidate.count(":") != 7:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        found.append((match.start(), Finding("ip_address", match.group(0))))
    return found


def _hostnames(text: str, allowed: set[str]) -> list[tuple[int, Finding]]:
    found = []
    for match in _HOST.finditer(text):
        host = match.group(1).lower().rstrip(".")
        labels = host.split(".")
        if labels[-1] in FILE_EXTENSIONS or labels[-1].isdigit():
            continue
        internal = any(host == s or host.endswith("." + s) for s in INTERNAL_SUFFIXES)
        if not internal:
            if any(host == d or host.endswith("." + d) for d in allowed):
                continue
            if len(labels) == 2 and labels[-1] not in COMMON_TLDS:
                continue  # "e.g", "i.e", "node.js"-like words, abbreviations
        found.append((match.start(), Finding("hostname", match.group(1))))
    return found


def _names(text: str, staff: list[str], organizations: list[str]) -> list[tuple[int, Finding]]:
    found = []
    for kind, names in (("staff_name", staff), ("organization", organizations)):
        for name in names:
            pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)"
            for match in re.finditer(pattern, text, re.IGNORECASE):
                found.append((match.start(), Finding(kind, match.group(0))))
    return found


def _allowed_domains(escalation) -> set[str]:
    allowed = {d.lower() for d in get_setting(*PUBLIC_DOMAINS)}
    # The customer's own domains, taken from its people's email addresses.
    emails = db.session.scalars(
        select(User.email).where(User.organization_id == escalation.organization_id,
                                 User.role.in_(CUSTOMER_ROLES))
    )
    for email in emails:
        match = _EMAIL.fullmatch(email)
        if match:
            allowed.add(match.group(1).lower())
    return allowed


def _unknown_names(escalation, author_id: int | None) -> tuple[list[str], list[str]]:
    """Staff the customer does not see on this escalation, and every other customer."""
    organization = escalation.organization or db.session.get(Organization,
                                                              escalation.organization_id)
    known = {escalation.owner_id, escalation.communicator_id, organization.account_manager_id,
             author_id}
    staff = db.session.scalars(
        select(User.name).where(User.organization_id.is_(None), User.id.not_in(
            [user_id for user_id in known if user_id is not None]))
    ).all()
    others = db.session.scalars(
        select(Organization.name).where(Organization.id != escalation.organization_id)
    ).all()
    return ([name for name in staff if len(name.split()) >= 2],
            [name for name in others if len(name.strip()) >= 3])
