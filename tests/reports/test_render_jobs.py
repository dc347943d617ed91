"""PDFs not cached are prepared in the background: the download answers 202 with a progress
page, one job per document however many ask, a failure is remembered and answered at once,
the status routes are scoped like the downloads, and a report whose PDF cannot be made is not
published. Real renderer throughout; a failure is a render that passes a limit set low."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.clock import now
from portal.enums import Role
from portal.notices.models import Notice
from portal.reports import jobs
from portal.reports import operations as reports
from portal.reports.models import RenderJob, RenderKind, RenderState, Review, ReviewState
from portal.reports.rendering import RENDER_TIMEOUT_SECONDS, cache_dir
from portal.settings import set_setting
from tests.downloads import download, run_render_jobs, status_url_of


def _url(reference: str, version: int = 1) -> str:
    return f"/escalations/{reference}/report/v{version}.pdf"


def _jobs(as_staff) -> list[tuple]:
    with as_staff() as session:
        return session.execute(
            select(RenderJob.id, RenderJob.kind, RenderJob.state, RenderJob.reason).order_by(
                RenderJob.id
            )
        ).all()


def _render_limit(as_staff, seconds: float) -> None:
    """The render bound as an administrator sets it (here low enough that any render fails)."""
    with as_staff() as session:
        set_setting(RENDER_TIMEOUT_SECONDS[0], seconds, actor=None)
        session.flush()


def _cached_files(app) -> list:
    with app.app_context():
        folder = cache_dir()
        return sorted(folder.glob("*.pdf")) if folder.exists() else []


def test_an_uncached_download_answers_202_with_a_progress_page(
    app, client, auth, world, published, as_staff
):
    """The first download of a report is not rendered in the request: the reader gets a page
    that says what is being prepared, polls its status and refreshes itself without JS."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    page = client.get(_url(published.reference_a))
    assert page.status_code == 202
    text = page.get_data(as_text=True)
    assert "Preparing the PDF" in text and published.reference_a in text
    status_url = status_url_of(page)
    assert status_url.startswith("/reports/preparing/")
    assert f'http-equiv="refresh" content="3;url={status_url}"' in text  # inside <noscript>
    assert page.headers["Cache-Control"] == "no-store"
    assert _cached_files(app) == []  # nothing rendered by the request
    assert [row.state for row in _jobs(as_staff)] == [RenderState.QUEUED]
    # The status route: the progress page while it waits, JSON for the page's script.
    assert client.get(status_url).status_code == 200
    status = client.get(status_url, headers={"Accept": "application/json"}).get_json()
    assert status["state"] == "queued" and status["ready_url"] is None


def test_everyone_asking_for_the_same_report_waits_on_one_job(
    client, auth, world, published, as_staff
):
    """Two readers (and a second click) wait on the same job; it renders once."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    first = client.get(_url(published.reference_a))
    second = client.get(_url(published.reference_a))
    auth.logout("/escalations")
    auth.login(world.customers_a[Role.CUSTOMER_ADMIN].email)
    third = client.get(_url(published.reference_a))
    assert first.status_code == second.status_code == third.status_code == 202
    assert status_url_of(first) == status_url_of(second) == status_url_of(third)
    assert len(_jobs(as_staff)) == 1
    assert run_render_jobs(client.application) == 1
    assert run_render_jobs(client.application) == 0  # nothing left to do


def test_when_ready_the_status_route_hands_over_the_file_and_later_downloads_are_cached(
    client, auth, world, published, as_staff
):
    """Once the job has run, the JSON says where the file is, the status route leads to it,
    and the next download is the cached file at once (no 202)."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    status_url = status_url_of(client.get(_url(published.reference_a)))
    run_render_jobs(client.application)
    status = client.get(status_url, headers={"Accept": "application/json"}).get_json()
    assert status["state"] == "done" and "prepared=" in status["ready_url"]
    ready = client.get(status["ready_url"])
    assert ready.status_code == 200 and ready.data.startswith(b"%PDF")
    assert client.get(status_url).status_code == 303  # without JS: on to the download
    again = client.get(_url(published.reference_a))
    assert again.status_code == 200 and again.data == ready.data
    with as_staff() as session:
        downloads = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "report.downloaded")
        )
    assert downloads == 2  # the progress page and the status polls are not downloads


def test_a_second_runner_never_renders_a_claimed_job(app, client, auth, world, published, as_staff):
    """Claiming is one conditional UPDATE: a runner that comes second leaves the job alone."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    client.get(_url(published.reference_a))
    ((job_id, *_),) = _jobs(as_staff)
    with as_staff():
        assert jobs.claim(job_id) is not None  # the first runner
    with as_staff():
        assert jobs.claim(job_id) is None  # the second: already running
        assert jobs.run_job(job_id) is False
        assert jobs.prepare_reports() == 0  # its lease has not passed
    assert _cached_files(app) == []


def test_a_job_abandoned_by_a_dead_process_is_taken_over(
    app, client, auth, world, published, as_staff
):
    """A running job whose lease has passed (its process died mid-render) is run again."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    client.get(_url(published.reference_a))
    with as_staff() as session:
        job = session.scalar(select(RenderJob))
        job.state, job.attempts = RenderState.RUNNING, 1
        job.started_at = now() - timedelta(
            seconds=jobs.render_timeout() + jobs.LEASE_GRACE_SECONDS + 1
        )
    assert run_render_jobs(app) == 1
    ((_, _, state, _),) = _jobs(as_staff)
    assert state == RenderState.DONE and len(_cached_files(app)) == 1


def test_a_failed_render_is_remembered_and_answered_at_once(
    app, client, auth, world, published, as_staff
):
    """A render past its limit fails with its reason in plain words; asking again answers 503
    at once with that reason and starts no new render."""
    _render_limit(as_staff, 0.01)
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    status_url = status_url_of(client.get(_url(published.reference_a)))
    run_render_jobs(app)
    ((_, _, state, reason),) = _jobs(as_staff)
    assert state == RenderState.FAILED and "took longer than 0.01 seconds" in reason
    for answer in (client.get(_url(published.reference_a)), client.get(status_url)):
        assert answer.status_code == 503
        assert "The PDF could not be made" in answer.get_data(as_text=True)
        assert "took longer than 0.01 seconds" in answer.get_data(as_text=True)
    assert len(_jobs(as_staff)) == 1  # no new job, no new render
    status = client.get(status_url, headers={"Accept": "application/json"}).get_json()
    assert status["state"] == "failed" and "limit" in status["reason"]
    assert _cached_files(app) == []


def test_status_routes_are_scoped_like_the_downloads(app, client, auth, world, published, as_staff):
    """Another organization's job is not found; a viewer may not follow one; a staff-only job
    (a draft's preview) is not a customer's; staff follow any from the console."""
    auth.login(world.customers_b[Role.EXECUTIVE].email)
    foreign = status_url_of(client.get(_url(published.reference_b)))
    auth.logout("/escalations")
    auth.login(world.staff[Role.AGENT].email)
    preview = client.get(f"/admin/escalations/{world.escalation_a.id}/review/preview.pdf")
    assert preview.status_code == 202
    preview_id = status_url_of(preview).rsplit("/", 1)[1]
    assert status_url_of(preview).startswith("/admin/reports/preparing/")
    foreign_id = foreign.rsplit("/", 1)[1]
    assert client.get(f"/admin/reports/preparing/{foreign_id}").status_code == 200
    auth.logout("/admin/")
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    assert client.get(foreign).status_code == 404
    assert client.get(f"/reports/preparing/{preview_id}").status_code == 404
    assert client.get("/reports/preparing/999999").status_code == 404
    assert client.get(f"/admin/reports/preparing/{foreign_id}").status_code in (302, 403, 404)
    own = status_url_of(client.get(_url(published.reference_a)))
    assert client.get(own).status_code == 200
    auth.logout("/escalations")
    auth.login(world.customers_a[Role.VIEWER].email)
    assert client.get(own).status_code == 403


def test_the_quarter_summary_and_the_draft_preview_are_prepared_too(client, auth, world, published):
    """The summary and the staff preview follow the same 202 → ready flow."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    assert client.get("/reports/summary.pdf").status_code == 202
    summary = download(client, "/reports/summary.pdf")
    assert summary.status_code == 200 and summary.data.startswith(b"%PDF")
    auth.logout("/escalations")
    auth.login(world.staff[Role.AGENT].email)
    preview = download(client, f"/admin/escalations/{world.escalation_a.id}/review/preview.pdf")
    assert preview.status_code == 200 and "-draft.pdf" in preview.headers["Content-Disposition"]


# ------------------------------------------------------------------ publishing renders first


def _ready_to_publish(world, published, as_staff) -> None:
    with as_staff() as session:
        manager = session.get(
            type(world.staff[Role.ESCALATION_MANAGER]), world.staff[Role.ESCALATION_MANAGER].id
        )
        review = session.get(Review, published.review_a.id)
        reports.save_review(review, actor=manager, values={"lessons_learned": "More."})
        reports.submit_review(review, actor=manager)


def _publish(client, auth, world):
    auth.login(world.staff[Role.ESCALATION_MANAGER].email)
    path = f"/admin/escalations/{world.escalation_a.id}/review/publish"
    token = auth.csrf_token(path)
    return client.post(path, data={"csrf_token": token, "confirm": "y"})


def _told_about_v2(session) -> int:
    return session.scalar(
        select(func.count()).select_from(Notice).where(Notice.key.like("review_published:%:v2%"))
    )


def test_publishing_tells_people_only_once_the_pdf_is_made(
    app, client, auth, world, published, as_staff
):
    """Until its PDF is made, version 2 is not out and nobody is told; then both happen, and
    its readers' first download is the cached file."""
    _ready_to_publish(world, published, as_staff)
    answer = _publish(client, auth, world)
    assert answer.status_code == 303
    review_page = client.get(f"/admin/escalations/{world.escalation_a.id}/review")
    assert "its PDF is being made first" in review_page.get_data(as_text=True)
    with as_staff() as session:
        assert session.get(Review, published.review_a.id).latest_version == 1
        assert _told_about_v2(session) == 0
    run_render_jobs(app)
    with as_staff() as session:
        review = session.get(Review, published.review_a.id)
        assert review.latest_version == 2 and review.state == ReviewState.PUBLISHED
        assert _told_about_v2(session) > 0
    done = client.get(answer.location, follow_redirects=True)
    assert "Version 2 published" in done.get_data(as_text=True)
    auth.logout("/admin/")
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    first = client.get(_url(published.reference_a, 2))
    assert first.status_code == 200 and first.data.startswith(b"%PDF")  # no second render


def test_a_report_whose_pdf_cannot_be_made_is_not_published(
    app, client, auth, world, published, as_staff
):
    """A render past its limit: the review stays in review, nobody is told, the refusal is
    audited, and staff read the reason on the progress page and the Review tab."""
    _ready_to_publish(world, published, as_staff)
    _render_limit(as_staff, 0.01)
    answer = _publish(client, auth, world)
    run_render_jobs(app)
    with as_staff() as session:
        review = session.get(Review, published.review_a.id)
        assert review.latest_version == 1 and review.state == ReviewState.IN_REVIEW
        assert _told_about_v2(session) == 0
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "review.publication_refused")
        ).all()
        assert len(refused) == 1 and "took longer than" in refused[0].detail["reason"]
        assert not session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "review.published",
                AuditEvent.detail["version"].as_integer() == 2,
            )
        )
    progress = client.get(answer.location)
    assert progress.status_code == 503
    assert "Not published" in progress.get_data(as_text=True)
    assert "took longer than" in progress.get_data(as_text=True)
    tab = client.get(f"/admin/escalations/{world.escalation_a.id}/review").get_data(as_text=True)
    assert "Version 2 was not published" in tab and "Nobody was told" in tab


def test_a_second_publish_click_waits_on_the_same_publication(
    client, auth, world, published, as_staff
):
    """Clicking Publish again while the PDF is made starts nothing new."""
    _ready_to_publish(world, published, as_staff)
    first = _publish(client, auth, world)
    path = f"/admin/escalations/{world.escalation_a.id}/review/publish"
    second = client.post(path, data={"csrf_token": auth.csrf_token(path), "confirm": "y"})
    assert first.location == second.location
    assert [row.kind for row in _jobs(as_staff)] == [RenderKind.PUBLICATION]


@pytest.mark.parametrize("change", ["edited", "returned"])
def test_a_review_changed_while_its_pdf_was_made_is_not_published(
    app, client, auth, world, published, as_staff, change
):
    """What was rendered is what the publisher confirmed: a change meanwhile refuses it."""
    _ready_to_publish(world, published, as_staff)
    _publish(client, auth, world)
    with as_staff() as session:
        manager = session.get(
            type(world.staff[Role.ESCALATION_MANAGER]), world.staff[Role.ESCALATION_MANAGER].id
        )
        review = session.get(Review, published.review_a.id)
        review.updated_at = now() + timedelta(seconds=1)
        if change == "edited":
            reports.save_review(review, actor=manager, values={"lessons_learned": "Other."})
        else:
            reports.return_to_draft(review, actor=manager)
    run_render_jobs(app)
    with as_staff() as session:
        assert session.get(Review, published.review_a.id).latest_version == 1
        assert _told_about_v2(session) == 0
        (job,) = session.scalars(select(RenderJob)).all()
        assert job.state == RenderState.FAILED and "changed" in job.reason


def test_a_failure_is_tried_again_once_it_is_old(app, client, auth, world, published, as_staff):
    """A remembered failure is answered at once for a while, then the document is tried once
    more (a busy machine, a limit raised since): one render per document in that time."""
    from portal.reports.preparing import FAILURE_REMEMBERED

    _render_limit(as_staff, 0.01)
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    client.get(_url(published.reference_a))
    run_render_jobs(app)
    with as_staff() as session:
        job = session.scalar(select(RenderJob))
        job.finished_at = now() - FAILURE_REMEMBERED - timedelta(seconds=1)
        set_setting(RENDER_TIMEOUT_SECONDS[0], 60, actor=None)
    answer = download(client, _url(published.reference_a))
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
    assert [row.state for row in _jobs(as_staff)] == [RenderState.FAILED, RenderState.DONE]


def test_finished_jobs_are_forgotten_after_a_week(app, client, auth, world, published, as_staff):
    """The scheduler's job deletes finished download jobs after a week; the PDF stays cached."""
    auth.login(world.customers_a[Role.EXECUTIVE].email)
    download(client, _url(published.reference_a))
    with as_staff() as session:
        session.scalar(select(RenderJob)).finished_at = now() - jobs.KEPT - timedelta(hours=1)
    run_render_jobs(app)
    assert _jobs(as_staff) == []
    assert client.get(_url(published.reference_a)).status_code == 200  # still cached
