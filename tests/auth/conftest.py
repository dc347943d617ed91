import pytest


@pytest.fixture
def enforced(app, monkeypatch):
    """Production's rule: administrators and escalation managers must have a second factor
    (the generic test configuration switches the requirement off, see portal.config)."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_ENFORCE_REQUIRED", True)
