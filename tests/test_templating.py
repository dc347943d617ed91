"""Template helpers people notice: addresses that wrap at sensible places, filters counted."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from portal.customer.forms import DashboardFilterForm, HistoryFilterForm
from portal.templating import breakable


def test_an_address_wraps_after_the_at_sign_and_dots_never_mid_word():
    """ "sam.whitfield@clearpath.example.com" may break only after "@" and each dot."""
    assert str(breakable("sam.whitfield@clearpath.example.com")) == (
        "sam.<wbr>whitfield@<wbr>clearpath.<wbr>example.<wbr>com"
    )


def test_an_address_is_escaped_before_it_gets_its_break_hints():
    """Markup in an address stays text; nothing becomes a tag but <wbr>."""
    assert str(breakable('"<b>"@x.io')) == "&#34;&lt;b&gt;&#34;@<wbr>x.<wbr>io"
    assert str(breakable(None)) == ""


def test_filters_set_counts_what_the_person_chose_not_sorting_or_paging(app):
    """Two filters and a sort order read "2 active"; the defaults read none."""
    with app.test_request_context("/escalations"):
        chosen = DashboardFilterForm(
            MultiDict({"severity": "1", "status": "investigating", "sort": "newest", "page": "3"})
        )
        untouched = DashboardFilterForm(MultiDict())
        render = app.jinja_env.globals["filters_set"]
        assert render(chosen) == 2
        assert render(untouched) == 0


def test_the_fold_carries_each_filters_default_for_the_recount(app):
    """The browser recounts from the same defaults: "" for unset, "all" for any time."""
    with app.test_request_context("/history"):
        form = HistoryFilterForm(MultiDict(), areas=["Payments"])
        assert app.jinja_env.globals["filter_defaults"](form) == {
            "q": "",
            "severity": "",
            "product_area": "",
            "within": "all",
        }
