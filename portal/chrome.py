"""The page chrome every signed-in page shares (base.html), drawn in Python and remembered.

Every page paid for the same head links, the main navigation and its fold as Jinja macros
(two `{% import %}`s, a macro call per link, a `url_for` per link and per asset). What they draw
depends on little: the static URLs on the script root alone, a customer's navigation on their
role and the page they are on, the console's on the entries the role may see, the page and the
counts beside them. So each is made once per distinct value and remembered; the markup is
exactly what the macros drew (tests/test_chrome.py keeps their source and compares).

The console's entries belong to the admin package (admin.navigation); it hands its reader over
with `use_console_nav`, so this module imports nothing from it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from flask import Flask, has_request_context, request, url_for
from markupsafe import Markup, escape

from portal.csrf_tokens import generate_csrf
from portal.security import csp_nonce

#: (path under static/, its tag) in the order base.html's head lists them.
HEAD_ASSETS = (
    ("img/favicon.svg", '<link rel="icon" href="{url}" type="image/svg+xml">'),
    ("css/portal.css", '<link rel="stylesheet" href="{url}">'),
    ("css/live.css", '<link rel="stylesheet" href="{url}">'),
    ("css/small-screens.css", '<link rel="stylesheet" href="{url}">'),
)
HEAD_SCRIPTS = ("vendor/htmx-2.0.11/htmx.min.js", "js/live.js", "js/small-screens.js",
                "js/progress.js")
_NONCE = "\x00nonce\x00"  # stands for the request's CSP nonce in a remembered template

#: A customer's links: (endpoint, label, the roles that see it; None: every customer).
CUSTOMER_LINKS = (
    ("customer.home", "Open escalations", None),
    ("customer.history", "History", None),
    ("customer.reports", "Reports", None),
    ("customer.executive", "Executive view", ("executive", "customer_admin")),
    ("customer.team", "Team", ("customer_admin",)),
    ("customer.webhooks", "Webhooks", ("customer_admin",)),
    ("customer.notification_settings", "Notifications", None),
)

_console_nav: Callable | None = None


def use_console_nav(reader: Callable) -> None:
    """`reader(user)` → (the bar's entries, the Administration menu's): the console's own."""
    global _console_nav
    _console_nav = reader


# ------------------------------------------------------------------------------------ head
def head_links() -> Markup:
    """The head's icon and style sheets."""
    if not has_request_context():
        return Markup(_draw_links())
    return Markup(_head_links(request.script_root))


def head_scripts() -> Markup:
    """The head's scripts, each with this request's CSP nonce."""
    drawn = _head_scripts(request.script_root) if has_request_context() else _draw_scripts()
    return Markup(drawn.replace(_NONCE, str(escape(csp_nonce()))))


def _draw_links() -> str:
    return "\n  ".join(tag.format(url=escape(url_for("static", filename=path)))
                       for path, tag in HEAD_ASSETS)


def script_tag(filename: str) -> Markup:
    """A page's own script, drawn as the head's are: `<script src="…" nonce="…" defer>`."""
    drawn = _script_tag(request.script_root, filename) if has_request_context() \
        else _draw_script(filename)
    return Markup(drawn.replace(_NONCE, str(escape(csp_nonce()))))


def _draw_scripts() -> str:
    return "\n  ".join(map(_draw_script, HEAD_SCRIPTS))


def _draw_script(path: str) -> str:
    return (f'<script src="{escape(url_for("static", filename=path))}" nonce="{_NONCE}" '
            "defer></script>")


@lru_cache(maxsize=256)
def _script_tag(script_root: str, filename: str) -> str:
    return _draw_script(filename)


@lru_cache(maxsize=64)
def _head_links(script_root: str) -> str:
    return _draw_links()


@lru_cache(maxsize=64)
def _head_scripts(script_root: str) -> str:
    return _draw_scripts()


def static_url(filename: str) -> str:
    """`url_for('static', filename=…)`, made once per script root and file."""
    if not has_request_context():
        return url_for("static", filename=filename)
    return _static_url(request.script_root, filename)


@lru_cache(maxsize=256)
def _static_url(script_root: str, filename: str) -> str:
    return url_for("static", filename=filename)


def link_to(endpoint: str, /, **values: str) -> str:
    """`url_for(endpoint, **values)` (values: the query's strings), made once per script root
    and values: the chrome links to the same pages on every request, and a page to itself a
    dozen times, differing only in its query (the queue's views, pages, poll, CSV)."""
    if not has_request_context():
        return url_for(endpoint, **values)
    return _link_to(request.script_root, endpoint, tuple(values.items()))


@lru_cache(maxsize=2048)
def _link_to(script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


class MacroFiles:
    """`macros.forms` is macros/forms.html as a module: what `{% import "macros/forms.html" as
    forms %}` gives, without that tag's comparison of both templates' globals on every render
    (a few hundred calls per import). Made without context, as that import is."""

    def __init__(self, app: Flask):
        self._environment = app.jinja_env

    def __getattr__(self, name: str):
        return self._environment.get_template(f"macros/{name}.html").module


# ------------------------------------------------------------------------------ navigation
def main_nav(user) -> Markup:
    """The main navigation for whoever is signed in, folded into a "Menu" on narrow screens:
    links mark the current page with aria-current; customers see only what their role may
    open; the console's entries show their counts (each one query, asked on every page)."""
    here = request.endpoint
    if user.is_staff:
        bar, administration = _console_nav(user) if _console_nav else ((), ())
        return _staff_nav(request.script_root, here, _drawn(bar), _drawn(administration))
    return _customer_nav(request.script_root, here, user.role.value)


def _drawn(entries) -> tuple[tuple[str, str, object], ...]:
    return tuple((entry.endpoint, entry.label, entry.count() if entry.count else None)
                 for entry in entries)


def _fold(items: str) -> Markup:
    return Markup('<details class="fold nav-menu">\n  <summary class="fold-summary '
                  'nav-menu-summary"><span class="nav-menu-icon" aria-hidden="true"></span>Menu'
                  f"</summary>\n  <ul>{items}\n</ul>\n</details>")


def _link(endpoint: str, label: str, here: str | None, count=None) -> str:
    current = ' aria-current="page"' if here == endpoint else ""
    counted = (f' <span class="nav-count">{escape(count)}<span class="visually-hidden"> '
               "waiting</span></span>" if count else "")
    return (f'<li><a href="{escape(url_for(endpoint))}"{current}>{escape(label)}{counted}'
            "</a></li>")


@lru_cache(maxsize=512)
def _customer_nav(script_root: str, here: str | None, role: str) -> Markup:
    return _fold("".join("\n" + _link(endpoint, label, here)
                         for endpoint, label, roles in CUSTOMER_LINKS
                         if roles is None or role in roles))


@lru_cache(maxsize=2048)
def _staff_nav(script_root: str, here: str | None, bar: tuple, administration: tuple) -> Markup:
    items = "".join("\n" + _link(endpoint, label, here, count)
                    for endpoint, label, count in bar)
    if administration:
        active = " active" if here in {endpoint for endpoint, _, _ in administration} else ""
        links = "".join("\n    " + _link(endpoint, label, here, count)
                        for endpoint, label, count in administration)
        items += ('\n\n<li class="nav-admin">\n  <details class="nav-admin-menu">\n'
                  f'    <summary class="nav-admin-summary{active}">Administration</summary>\n'
                  f'    <ul class="nav-admin-list">{links}\n    </ul>\n  </details>\n</li>')
    return _fold(items)


# --------------------------------------------------------------------------------- top bar
def topbar_context(user) -> Markup:
    """The brand's link home and whose portal this is: the console's label for staff, the
    organization's name for a customer, nothing before sign-in."""
    if user is None or not user.is_authenticated:
        kind, organization = "auth.login", None
    elif user.is_staff:
        kind, organization = "admin.home", None
    else:
        kind, organization = "customer.home", user.organization.name
    if not has_request_context():
        return _draw_topbar_context(url_for(kind), kind, organization)
    return _topbar_context(request.script_root, kind, organization)


def _draw_topbar_context(home: str, kind: str, organization: str | None) -> Markup:
    drawn = f'<a class="brand" href="{escape(home)}">Clearpath</a>'
    if kind == "admin.home":
        drawn += '\n        <span class="staff-label">Staff console</span>'
    elif organization is not None:
        drawn += (f'\n        <span class="topbar-org" title="{escape(organization)}">'
                  f"{escape(organization)}</span>")
    return Markup(drawn)


@lru_cache(maxsize=512)
def _topbar_context(script_root: str, kind: str, organization: str | None) -> Markup:
    return _draw_topbar_context(url_for(kind), kind, organization)


def user_menu(user) -> Markup:
    """The signed-in person's link to their profile (marked on it) and the sign-out button,
    with this request's CSRF token. The sign-out form is a full page load (hx-boost="false"):
    boosted swaps keep <body>'s attributes, and the session (so base.html's CSRF header)
    changes there."""
    drawn = _user_menu(request.script_root, user.name, request.endpoint == "auth.profile")
    return Markup(drawn.replace(_TOKEN, str(escape(generate_csrf()))))


_TOKEN = "\x00csrf\x00"  # stands for the request's CSRF token in a remembered menu


@lru_cache(maxsize=2048)
def _user_menu(script_root: str, name: str, on_profile: bool) -> str:
    current = ' aria-current="page"' if on_profile else ""
    return (f'<div class="user-menu">\n        <a class="user-name" '
            f'href="{escape(url_for("auth.profile"))}" title="Your profile: {escape(name)}"'
            f'{current}><span class="visually-hidden">Your profile, signed in as </span>'
            f'<span class="user-name-full">{escape(name)}</span><span class="user-name-short" '
            'aria-hidden="true">Profile</span></a>\n        '
            f'<form method="post" action="{escape(url_for("auth.logout"))}" hx-boost="false">'
            f'\n          <input type="hidden" name="csrf_token" value="{_TOKEN}">\n          '
            '<button type="submit" class="btn-link">Sign out</button>\n        </form>\n'
            "      </div>")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(head_links=head_links, head_scripts=head_scripts,
                                  main_nav=main_nav, static_url=static_url, link_to=link_to,
                                  script_tag=script_tag, topbar_context=topbar_context,
                                  user_menu=user_menu, macros=MacroFiles(app))
