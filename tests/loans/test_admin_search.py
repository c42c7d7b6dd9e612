"""Admin search by a borrower's phone or passport needs the permission to see personal data
unmasked, and is on record like an unmasking (never with the term)."""

import json
import logging

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from tests.factories import BorrowerFactory, applied_loan
from zaymer.observability import JsonFormatter

PHONE = "+79161234567"
PASSPORT = "654321"


@pytest.fixture
def borrower(db):
    borrower = BorrowerFactory(phone=PHONE, passport_number=PASSPORT, full_name="Петров Пётр")
    applied_loan(borrower=borrower)
    return borrower


def staff_in(group: str, username: str) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def found(client, changelist: str, term: str) -> int:
    response = client.get(reverse(f"admin:loans_{changelist}_changelist"), {"q": term})
    assert response.status_code == 200
    return response.context["cl"].result_count


@pytest.mark.parametrize(
    ("changelist", "term"),
    [("borrower", PHONE), ("borrower", PASSPORT), ("loan", PHONE)],
)
def test_masked_staff_cannot_find_a_borrower_by_phone_or_passport(
    client, borrower, changelist, term
):
    client.force_login(staff_in("collector", "collector1"))
    assert found(client, changelist, term) == 0


def test_masked_staff_still_search_by_name_and_id(client, borrower):
    client.force_login(staff_in("collector", "collector1"))
    assert found(client, "borrower", "Петров") == 1
    assert found(client, "borrower", str(borrower.pk)) == 1


@pytest.mark.parametrize("term", [PHONE, PASSPORT])
def test_staff_who_see_personal_data_find_by_phone_or_passport(admin_client, borrower, term):
    assert found(admin_client, "borrower", term) == 1


def test_a_personal_data_search_is_logged_without_the_term(admin_client, borrower, caplog):
    caplog.set_level(logging.INFO, logger="zaymer.security")
    assert found(admin_client, "loan", PHONE) == 1
    (record,) = [r for r in caplog.records if r.getMessage() == "personal data searched"]
    line = JsonFormatter().format(record)
    assert json.loads(line)["model"] == "loans.loan"
    assert json.loads(line)["user_id"] == User.objects.get(username="admin").pk
    assert PHONE not in line and PHONE[2:] not in line


def test_a_list_without_a_search_term_is_not_logged_as_a_search(admin_client, borrower, caplog):
    caplog.set_level(logging.INFO, logger="zaymer.security")
    admin_client.get(reverse("admin:loans_borrower_changelist"))
    assert not [r for r in caplog.records if r.getMessage() == "personal data searched"]
