"""The customer's preferences: immediate emails or one daily digest, the escalations they have
stopped emails for, and their private feed links (create, reset)."""

from __future__ import annotations

from types import SimpleNamespace

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.auth.access import customer_required
from portal.customer import bp
from portal.customer.feed_links import feed_links_of
from portal.customer.forms import FeedLinksForm, NotificationPreferenceForm
from portal.customer.notification_markup import (
    blank_content,
    feed_links_section,
    page,
    page_content,
    settings_section,
)
from portal.customer.notification_reads import notification_settings_of
from portal.enums import NotificationPreference
from portal.escalations import operations as ops
from portal.feeds import operations as feeds
from portal.htmx import wants_fragment
from portal.submissions import run, submit

FRAGMENT = "customer/_notification_settings.html"
FEEDS_FRAGMENT = "customer/_feed_links.html"

# The sections, for the fragment templates (an htmx swap of a section gets the same markup).
bp.add_app_template_global(SimpleNamespace(settings_section=settings_section,
                                           feed_links_section=feed_links_section),
                           "notification_parts")


@bp.route("/account/notifications", methods=["GET", "POST"])
@customer_required
def notification_settings():
    user = current_user._get_current_object()
    if request.method not in _SUBMITTING:  # shown blank: no WTForms form is built
        return _render(user, FRAGMENT, remembered=True)
    form = NotificationPreferenceForm(preference=user.notification_preference.value)
    status = 200
    if form.is_submitted():
        saved = submit(form, lambda: ops.set_notification_preference(user, form.preference.data),
                       validate=form.validate_on_submit, default_field="preference")
        if saved.ok:
            message = ("You will get one email for each update."
                       if form.preference.data == NotificationPreference.IMMEDIATE
                       else "You will get one digest email a day.")
            if not wants_fragment():
                flash(message, "success")
                return redirect(url_for("customer.notification_settings"))
            return _render(user, FRAGMENT, form=form, confirmation=message)
        status = 422
    return _render(user, FRAGMENT, status=status, form=form)


@bp.post("/account/feeds")
@customer_required
def create_feed_links():
    return _change_feed_links(feeds.issue_feed_token,
                              "Your feed links are ready. Keep them private: anyone with a "
                              "link can read the feed.")


@bp.post("/account/feeds/reset")
@customer_required
def reset_feed_links():
    return _change_feed_links(feeds.reset_feed_token,
                              "New feed links made. The old ones stopped working: subscribe "
                              "again with the new links.")


def _change_feed_links(operation, message: str):
    user = current_user._get_current_object()
    feed_form = FeedLinksForm()
    if feed_form.validate_on_submit():
        outcome = run(lambda: operation(user))
        if outcome.ok:
            if not wants_fragment():
                flash(message, "success")
                return redirect(url_for("customer.notification_settings", _anchor="feed-links"))
            return _render(user, FEEDS_FRAGMENT, feed_form=feed_form, feed_confirmation=message)
        feed_form.form_errors.append(str(outcome.value))
    return _render(user, FEEDS_FRAGMENT, status=422, feed_form=feed_form)


_SUBMITTING = frozenset({"POST", "PUT", "PATCH", "DELETE"})  # FlaskForm.is_submitted's


def _render(user, fragment: str, *, status: int = 200, form=None, confirmation=None,
            feed_form=None, feed_confirmation=None, remembered: bool = False):
    """The page (or the one fragment an htmx request aims at), with both of its sections
    (portal.customer.notification_markup draws them). No `form`: the blank form, the person's
    preference chosen. `remembered`: a GET, whose settings may come from the live memo."""
    settings = notification_settings_of(user.id, remembered=remembered)
    organization = user.organization.name
    preference = user.notification_preference.value
    if wants_fragment():
        if fragment == FRAGMENT:
            return settings_section(form, preference=preference, confirmation=confirmation,
                                    muted=settings.muted, organization=organization), status
        return feed_links_section(feed_links_of(user, settings.token), feed_form=feed_form,
                                  feed_confirmation=feed_confirmation,
                                  organization=organization), status
    if settings.empty and form is None and confirmation is None and feed_form is None \
            and feed_confirmation is None:  # the page most people see, remembered but the token
        return page(user, blank_content(user, preference=preference,
                                        organization=organization)), status
    content = page_content(
        user,
        settings_section(form, preference=preference, confirmation=confirmation,
                         muted=settings.muted, organization=organization),
        feed_links_section(feed_links_of(user, settings.token), feed_form=feed_form,
                           feed_confirmation=feed_confirmation, organization=organization))
    return page(user, content), status

