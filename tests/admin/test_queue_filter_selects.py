"""The queue's filter selects are drawn once per choices and value and remembered
(admin.queue_forms.Remembered): what they show is what a fresh drawing shows, and a new
account, a new staff member, another area count or another selected value shows at once."""

from werkzeug.datastructures import MultiDict

from admin.queue_forms import QueueFilterForm
from portal.escalations import queue

STAFF = ((1, "Ana <A>"), (2, "Bo & Co"))
ACCOUNTS = ((10, "Acme \"Ltd\""), (11, "Globex"))


def _form(app, args: dict, *, staff=STAFF, accounts=ACCOUNTS, areas=(("Billing", 3),)):
    with app.test_request_context("/admin/"):
        form = QueueFilterForm(MultiDict(args))
        form.validate()
        form.offer_choices(queue.Summary(total_open=3, areas=areas, views={"all": 3}),
                           staff, accounts)
        return form, {name: str(form[name]()) for name in
                      ("owner", "account", "area", "tier", "status", "severity", "segment",
                       "sla", "sort")}


def _fresh(form, name: str) -> str:
    """The select drawn by its widget without remembering."""
    field = form[name]
    return str(field.widget.widget(field))


def test_a_remembered_select_reads_as_a_fresh_drawing(app):
    """Every filter select shows the same options and selection as one drawn anew."""
    for args in ({}, {"owner": "2", "account": "11", "tier": "L2", "severity": "1",
                      "area": "Billing", "sort": "sla", "sla": "breached"}):
        for _ in range(2):  # the second time from memory
            form, drawn = _form(app, args)
            for name, html in drawn.items():
                assert html == _fresh(form, name), name


def test_the_selected_value_follows_the_request(app):
    _, first = _form(app, {"account": "10"})
    _, second = _form(app, {"account": "11"})
    assert '<option selected value="10">' in first["account"]
    assert '<option selected value="11">' in second["account"]
    assert '<option selected value="10">' not in second["account"]


def test_a_new_account_or_colleague_or_area_count_shows_at_once(app):
    """The choices are part of what is remembered: a changed directory draws anew."""
    _form(app, {})
    _, drawn = _form(app, {}, staff=STAFF + ((3, "Cy"),), accounts=ACCOUNTS + ((12, "Initech"),),
                     areas=(("Billing", 4),))
    assert ">Cy</option>" in drawn["owner"]
    assert ">Initech</option>" in drawn["account"]
    assert "Billing (4)" in drawn["area"]


def test_a_refused_filter_is_marked_on_its_select(app):
    """An invalid owner: the select carries aria-invalid, drawn apart from the valid one."""
    with app.test_request_context("/admin/"):
        form = QueueFilterForm(MultiDict({"owner": "x"}))
        assert not form.validate()
        form.offer_choices(queue.Summary(total_open=0, areas=(), views={"all": 0}),
                           STAFF, ACCOUNTS)
        invalid = str(form.owner(**{"aria-invalid": "true"}))
        plain = str(form.owner())
    assert 'aria-invalid="true"' in invalid
    assert "aria-invalid" not in plain
