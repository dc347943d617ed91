"""Customers download their own organization's reports (executives and admins only), staff any;
every download is audited; the PDF never carries internal content."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.enums import Role
from tests.downloads import download
from tests.factories import CANARY
from tests.querycount import counted_queries
from tests.reports.conftest import INTERNAL_CANARY


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _url(reference: str, version: int = 1) -> str:
    return f"/escalations/{reference}/report/v{version}.pdf"


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.CUSTOMER_ADMIN])
def test_executives_and_admins_download_their_report(client, auth, world, published, role):
    """An executive gets a real PDF of their own escalation's report."""
    auth.login(world.customers_a[role].email)
    response = download(client, _url(published.reference_a))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    assert published.reference_a in response.headers["Content-Disposition"]


def test_viewers_may_read_the_review_but_not_download(client, auth, world, published):
    """A viewer sees the report page and the live actions, but the PDF answers 403."""
    auth.login(world.customers_a[Role.VIEWER].email)
    page = client.get(f"/escalations/{published.reference_a}/report")
    assert page.status_code == 200
    assert "Automate certificate renewal" in page.get_data(as_text=True)
    assert "Download the PDF" not in page.get_data(as_text=True)
    assert download(client, _url(published.reference_a)).status_code == 403


def test_another_organizations_report_is_not_found(client, auth, world, published):
    """An executive of A asking for B's report gets 404, exactly like a missing one."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    assert download(client, _url(published.reference_b)).status_code == 404
    assert download(client, _url(published.reference_a, 9)).status_code == 404
    assert client.get(f"/escalations/{published.reference_b}/report").status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.ACCOUNT_MANAGER, Role.ESCALATION_MANAGER,
                                  Role.ADMINISTRATOR])
def test_staff_download_any_report(client, auth, world, published, role):
    """Every staff role may download any organization's report from the console."""
    auth.login(world.staff[role].email)
    for escalation in (world.escalation_a, world.escalation_b):
        response = download(client, f"/admin/escalations/{escalation.id}/review/v1.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_every_download_writes_an_audit_event(client, auth, world, published, as_staff):
    """Two downloads, two audit events naming the report, the version and who downloaded."""
    executive = world.customers_a[Role.EXECUTIVE]
    auth.login(executive.email)
    download(client, _url(published.reference_a))
    download(client, _url(published.reference_a))
    with as_staff() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "report.downloaded")).all()
        assert len(events) == 2
        assert all(e.actor_id == executive.id and e.organization_id == world.org_a.id
                   and e.detail["version"] == 1 and e.object_id == published.review_a.id
                   for e in events)


def test_the_pdf_never_contains_internal_content(client, auth, world, published):
    """Extracted text has the report's content but no internal note, row or review field."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    text = _pdf_text(download(client, _url(published.reference_a)).data)
    assert "The portal was down for an hour." in text
    assert "An expired intermediate certificate." in text
    assert "Automate certificate renewal" in text
    assert "We are investigating the Acme Logistics outage." in text  # customer timeline
    assert CANARY not in text
    assert INTERNAL_CANARY not in text
    assert "10.0.3.7" not in text


def test_the_pdf_has_a_title_and_metadata(client, auth, world, published):
    """The document is titled for the reader's PDF viewer and says who made it."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    reader = PdfReader(io.BytesIO(download(client, _url(published.reference_a)).data))
    assert published.reference_a in reader.metadata.title
    assert reader.metadata.author == "Clearpath Support"
    # The cover, then the sections follow on without forced breaks: this short review fills
    # two more pages (it took three before the summary and the timeline forced new pages).
    assert len(reader.pages) >= 3


def test_a_cached_download_is_the_same_file_and_answers_304(client, auth, world, published):
    """The second download comes from the cache: same ETag; a revalidation answers 304."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    first = download(client, _url(published.reference_a))
    second = download(client, _url(published.reference_a))
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.data == second.data
    again = download(client, _url(published.reference_a),
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_revalidated_download_is_audited_as_not_modified(client, auth, world, published,
                                                          as_staff):
    """A 304 still means the reader opened the report: it is audited, marked not_modified."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    first = download(client, _url(published.reference_a))
    again = download(client, _url(published.reference_a),
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    with as_staff() as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "report.downloaded").order_by(AuditEvent.id)).all()
        assert [e.detail.get("not_modified") for e in events] == [None, True]
        assert events[1].object_type == "Review" and events[1].object_id == published.review_a.id


@pytest.mark.parametrize("who", ["executive", "staff"])
def test_a_cached_download_runs_three_statements(app, client, auth, world, published, who):
    """A download from the cache reads the signed-in user and the version's ids and writes its
    audit event — three statements whatever the report's size; none reads the content."""
    if who == "executive":
        auth.login(world.customers_a[Role.EXECUTIVE].email)
        url = _url(published.reference_a)
    else:
        auth.login(world.staff[Role.AGENT].email)
        url = f"/admin/escalations/{world.escalation_a.id}/review/v1.pdf"
    assert download(client, url).status_code == 200  # renders into the cache
    with counted_queries(app) as statements:
        response = download(client, url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    kinds = [statement.lstrip().split(None, 1)[0].upper() for statement in statements]
    assert kinds == ["SELECT", "SELECT", "INSERT"], statements
    assert not any("review_versions.content" in statement for statement in statements)


def test_the_organization_summary_downloads_for_executives_only(client, auth, world,
                                                                  published):
    """Executives get the quarter's summary as a PDF of their organization only."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    assert client.get("/reports/summary").status_code == 200
    response = download(client, "/reports/summary.pdf")
    assert response.status_code == 200
    text = _pdf_text(response.data)
    assert world.org_a.name in text and world.org_b.name not in text
    assert published.reference_a in text and published.reference_b not in text
    assert CANARY not in text
    assert client.get("/reports/summary?period=1999-Q5").status_code == 404


def test_viewers_get_no_organization_summary(client, auth, world):
    """The summary is for executives and admins: a viewer gets 403."""
    auth.login(world.customers_a[Role.VIEWER].email)
    assert client.get("/reports/summary").status_code == 403
    assert download(client, "/reports/summary.pdf").status_code == 403


def test_the_reports_list_shows_only_the_organizations_reports(client, auth, world, published):
    """Every customer sees their organization's published reports, never another's."""
    auth.login(world.customers_a[Role.VIEWER].email)
    html = client.get("/reports").get_data(as_text=True)
    assert published.reference_a in html and published.reference_b not in html


@pytest.mark.parametrize("which", ["review", "summary"])
def test_the_pdfs_are_tagged_for_screen_readers_and_their_headings_read_as_words(
        client, auth, world, published, which):
    """PDF/UA: a structure tree, marked content, the document's language and title; the
    labels a reader copies (pdftotext) are words, not letters spaced apart
    ("S L A AT TA I N M E N T")."""
    from tests.deployed.pdf import pdf_text

    auth.login(world.customers_a[Role.EXECUTIVE].email)
    url = _url(published.reference_a) if which == "review" else "/reports/summary.pdf"
    data = download(client, url).data
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]).lower().startswith("en")
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title
    text = pdf_text(data)
    words = {"review": ("UPDATES ON TIME", "TIME TO RESOLVE", "SERVICE LEVEL"),
             "summary": ("SLA ATTAINMENT",)}[which]
    for heading in words:
        assert heading in text.upper(), heading
    assert not re.search(r"\b(?:[A-Z] ){3,}[A-Z]\b", text), "letters spaced apart"


def test_the_quarter_summary_keeps_resolved_and_the_current_status_apart(client, auth,
                                                                         world, published,
                                                                         as_staff):
    """An escalation still open has no resolution date (a dash), its status in "Now"; and
    the chart says why a month has no bar."""
    from tests import factories
    from tests.deployed.pdf import pdf_text

    with as_staff() as session:
        factories.make_escalation(session.merge(world.org_a),
                                  actor=session.merge(world.staff[Role.AGENT]), severity=3,
                                  title="Still open")
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    text = pdf_text(download(client, "/reports/summary.pdf").data)
    assert "REFERENCE TITLE SEV OPENED RESOLVED NOW SLA" in text
    row = text[text.index("REFERENCE TITLE SEV OPENED RESOLVED NOW SLA"):]
    assert re.search(r"ESC-\d+ Still open \d \d\d \w{3}, \d\d:\d\d — New —", row), row[:400]
    assert "A month without a bar had no escalation resolved in it" in text
