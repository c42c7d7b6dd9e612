import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import translation

from collection import services
from kernel.roles import COLLECTOR
from loans.models import Loan
from tests.factories import BorrowerFactory
from tests.loans.helpers import issued, open_day

MSK = ZoneInfo("Europe/Moscow")
ISSUED = dt.date(2026, 11, 2)
DUE = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


def staff(username: str, *roles: str, lead: bool = False) -> User:
    user = User.objects.create_user(username=username, password="x" * 12)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if lead:
        user.user_permissions.add(Permission.objects.get(codename="lead_collection"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def collector(db):
    return staff("col1", COLLECTOR)


@pytest.fixture
def other_collector(db):
    return staff("col2", COLLECTOR)


@pytest.fixture
def team_lead(db):
    return staff("lead1", COLLECTOR, lead=True)


def overdue_loans(count: int, *, days: int = 3) -> list[Loan]:
    """PDLs issued on 2026-11-02, due 2026-12-02, `days` days overdue through the real COB."""
    loans = [issued(on=ISSUED, borrower=BorrowerFactory()) for _ in range(count)]
    open_day(DUE + dt.timedelta(days=days))
    return list(Loan.objects.filter(pk__in=[loan.pk for loan in loans]).order_by("pk"))


def overdue_loan(*, days: int = 3) -> Loan:
    return overdue_loans(1, days=days)[0]


@pytest.fixture
def case(collector):
    loan = overdue_loan()
    return services.case_open(debt=loan, on=DUE + dt.timedelta(days=2))


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)
