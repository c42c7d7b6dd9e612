import datetime as dt
import os

import pytest
from hypothesis import settings

from loans.business_date import set_business_date
from loans.gateway import SandboxGateway

ISSUE_DATE = dt.date(2026, 11, 2)

# HYPOTHESIS_PROFILE=long: the property tests at length (the money machine runs 5 000 examples).
settings.register_profile("long", max_examples=5_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _tasks_run_in_process(monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(autouse=True)
def _sandbox_gateway():
    SandboxGateway.reset()
    yield
    SandboxGateway.reset()


@pytest.fixture
def business_date(db):
    set_business_date(on=ISSUE_DATE)
    return ISSUE_DATE
