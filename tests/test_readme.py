"""The README tells a new user the truth."""

from pathlib import Path

from portal.demo import DEMO_LOGINS, DEMO_PASSWORD

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_lists_every_demo_login():
    """Each seeded account is in the README's login table with its role and organization."""
    assert "| email | password | role | organization |" in README
    for email, role, organization in DEMO_LOGINS:
        assert f"| `{email}` | `{DEMO_PASSWORD}` | {role} | {organization} |" in README


def test_quickstart_is_the_two_make_commands():
    """The quickstart is exactly: make demo, make test; and CI runs the same test command."""
    quickstart = README.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quickstart.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "\nmake test\n" in ci
