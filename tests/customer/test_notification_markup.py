"""The notification settings page drawn in Python (portal.customer.notification_markup) reads
byte for byte as its templates drew it (tests/fixtures/notifications_page_before.html with the
sections' templates before them): either preference, with and without muted escalations and
feed links, remembered shell or not, with a flashed message; each request gets its own CSP
nonce and CSRF token; a page load builds no WTForms form and renders no template once its
shell is remembered."""

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import flash, g, template_rendered
from jinja2 import ChoiceLoader, DictLoader

from portal import page_shell
from portal.csrf_tokens import generate_csrf
from portal.customer import notification_markup as markup
from portal.customer.feed_links import EscalationFeed, FeedLinks
from portal.customer.forms import NotificationPreferenceForm
from portal.customer.notification_reads import MutedEscalation
from portal.enums import NotificationPreference, Role
from portal.security import csp_nonce

FIXTURES = Path(__file__).parent.parent / "fixtures"
PAGE = "/account/notifications"
MADE = datetime(2026, 11, 23, 13, 2, tzinfo=UTC)
LINKS = FeedLinks(prefix="cpf_a<b", created_at=MADE, last_used_at=None,
                  urls={"updates": "http://x/feeds/cpf_a&b/updates.atom",
                        "calendar": "http://x/feeds/cpf_a&b/calendar.ics"},
                  escalations=[EscalationFeed("ESC-00042", "Disk <full>", "http://x/42.atom")])
DIGEST = NotificationPreference.DIGEST.value
MUTED = [MutedEscalation("ESC-00042", "Disk <full>"), MutedEscalation("ESC-00007", "A & B")]


def _person(role=Role.VIEWER, name="Sam <Q> O'Neil"):
    return SimpleNamespace(is_authenticated=True, is_staff=False, role=role, name=name,
                           zone=ZoneInfo("Europe/Paris"),
                           email="sam.o@acme.example", organization_id=1,
                           organization=SimpleNamespace(name="Acme <& Co>"))


def _old_page(app):
    """The page as its templates drew it: the page and both sections' sources before."""
    overlay = app.jinja_env.overlay(loader=ChoiceLoader([DictLoader({
        "before/notifications.html": (FIXTURES / "notifications_page_before.html").read_text(),
        "customer/_notification_settings.html":
            (FIXTURES / "notification_settings_before.html").read_text(),
        "customer/_feed_links.html": (FIXTURES / "feed_links_before.html").read_text(),
    }), app.jinja_env.loader]))
    return overlay.get_template("before/notifications.html")


def _both(app, person, *, preference, muted, feeds, confirmation=None):
    g._login_user = person
    new = markup.page(person, markup.page_content(
        person,
        markup.settings_section(None, preference=preference, confirmation=confirmation,
                                muted=muted, organization=person.organization.name),
        markup.feed_links_section(feeds, organization=person.organization.name)))
    context = {"form": NotificationPreferenceForm(formdata=None, preference=preference),
               "confirmation": confirmation, "muted": muted, "feeds": feeds,
               "feed_form": None, "feed_confirmation": None}
    app.update_template_context(context)
    return new, _old_page(app).render(context)


@pytest.mark.parametrize(("index", "preference"),
                         list(enumerate(p.value for p in NotificationPreference)))
@pytest.mark.parametrize("muted", [[], MUTED])
@pytest.mark.parametrize("feeds", [None, LINKS])
def test_the_page_reads_as_its_templates_drew_it(app, index, preference, muted, feeds):
    """Drawn, then from the remembered shell, the same page in the same request."""
    page_shell.forget()
    with app.test_request_context(PAGE):
        for _ in range(2):
            new, old = _both(app, _person(), preference=preference, muted=muted, feeds=feeds)
            assert new == old
            assert f'<input checked id="preference-{index}"' in new
            assert f'nonce="{csp_nonce()}"' in new and generate_csrf() in new


@pytest.mark.parametrize("preference", [p.value for p in NotificationPreference])
def test_the_remembered_blank_content_is_the_drawn_one(app, preference):
    """The page most people see (blank form, nothing muted, no feed links) is remembered but
    its token: the same as the sections drawn, and each request's own token in both forms."""
    person = _person()
    tokens = []
    for _ in range(2):
        with app.test_request_context(PAGE):
            drawn = markup.page_content(
                person,
                markup.settings_section(None, preference=preference, muted=[],
                                        organization=person.organization.name),
                markup.feed_links_section(None, organization=person.organization.name))
            blank = markup.blank_content(person, preference=preference,
                                         organization=person.organization.name)
            assert blank == drawn and "\x00" not in blank
            assert blank.count(generate_csrf()) == 2
            tokens.append(generate_csrf())
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CUSTOMER_ADMIN])
def test_each_request_gets_its_own_nonce_and_token(app, role):
    """The remembered shell takes the request's nonce and CSRF token, not the first one's."""
    page_shell.forget()
    drawn = []
    for _ in range(2):
        with app.test_request_context(PAGE):
            new, old = _both(app, _person(role), preference=DIGEST, muted=[], feeds=None)
            assert new == old
            drawn.append((new, csp_nonce(), generate_csrf()))
    (first, nonce, token), (second, other_nonce, other_token) = drawn
    assert nonce != other_nonce and token != other_token
    assert nonce not in second and token not in second
    assert second.count(other_nonce) == first.count(nonce) > 1
    assert second.count(other_token) == first.count(token) > 1


def test_another_person_gets_their_own_shell(app):
    """The shell is remembered per name, organization and role: another's is not reused."""
    page_shell.forget()
    with app.test_request_context(PAGE):
        _both(app, _person(name="Sam"), preference=DIGEST, muted=[], feeds=None)
        new, old = _both(app, _person(name="Ana"), preference=DIGEST, muted=[], feeds=None)
        assert new == old and "Ana" in new and "Sam" not in new


def test_a_flashed_message_is_shown_as_base_html_shows_it(app):
    """After a save without htmx (the redirect's page), Jinja draws the shell and its flash."""
    with app.test_request_context(PAGE):
        flash("You will get one <digest> email a day.", "success")
        new, old = _both(app, _person(), preference=DIGEST, muted=[], feeds=None)
        assert new == old and "one &lt;digest&gt; email" in new


def test_a_page_load_builds_no_form_and_renders_no_template_once_remembered(
        app, client, auth, world, monkeypatch):
    """The second GET draws the whole page in Python: no WTForms form, no template."""
    auth.login(world.customers_a[Role.VIEWER].email)
    first = client.get(PAGE)
    assert first.status_code == 200
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    def refuse(*args, **kwargs):
        raise AssertionError("a page load built a WTForms form")

    monkeypatch.setattr(NotificationPreferenceForm, "__init__", refuse)
    template_rendered.connect(record, app)
    try:
        second = client.get(PAGE)
    finally:
        template_rendered.disconnect(record, app)
    assert second.status_code == 200 and rendered == []
    assert 'id="notification-settings"' in second.get_data(as_text=True)
