"""Every time on a collector's page says its zone (issue 20, item 1)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from collection.clock import debtor_time, moscow_offset_label
from collection.policy import contact_allowed
from tests.collection.conftest import msk

KAMCHATKA = "Asia/Kamchatka"


@pytest.fixture
def kamchatka_case(case):
    borrower = case.loan.borrower
    borrower.time_zone = KAMCHATKA
    borrower.save(update_fields=["time_zone"])
    return case


def local_time_cell(body: str) -> str:
    start = body.index('id="local-time">') + len('id="local-time">')
    return body[start : body.index("</dd>", start)]


def test_the_offset_from_moscow_is_named_as_staff_say_it():
    at = msk(2026, 12, 8, 12, 0)
    with translation.override("ru"):
        assert moscow_offset_label(ZoneInfo(KAMCHATKA), at) == "МСК+9"
        assert moscow_offset_label(ZoneInfo("Europe/Kaliningrad"), at) == "МСК−1"
        assert moscow_offset_label(ZoneInfo("Europe/Moscow"), at) == "МСК"


def test_a_debtors_local_time_is_shown_in_the_debtors_zone_with_its_name(
    client, kamchatka_case, collector, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: msk(2026, 12, 8, 16, 18))
    client.force_login(collector)

    body = client.get(f"/collection/cases/{kamchatka_case.pk}/").content.decode()

    assert local_time_cell(body) == "01:18, Ср 09.12 (МСК+9)"


def test_the_next_allowed_moment_is_in_the_debtors_time_with_its_zone(
    client, kamchatka_case, collector, monkeypatch
):
    # 01:18 on Wednesday in Kamchatka: calls wait for 08:00 there.
    monkeypatch.setattr(timezone, "now", lambda: msk(2026, 12, 8, 16, 18))
    client.force_login(collector)

    body = client.get(f"/collection/cases/{kamchatka_case.pk}/").content.decode()

    assert "08:00, Ср 09.12 (МСК+9)" in body


def test_the_quiet_hours_reason_names_the_weekday_in_the_pages_language(kamchatka_case):
    with translation.override("ru"):
        verdict = contact_allowed(
            case_or_borrower=kamchatka_case, channel="call", at=msk(2026, 12, 8, 16, 18)
        )
    assert not verdict.allowed
    assert "Ср 01:18" in verdict.reason
    assert "Wed" not in verdict.reason


def test_contact_times_say_they_are_moscow_time(client, case, collector):
    client.force_login(collector)
    body = client.get(f"/collection/cases/{case.pk}/").content.decode()
    assert "Когда (МСК)" in body


def test_a_zoned_time_formats_the_moment_in_its_zone():
    moment = dt.datetime(2026, 12, 8, 13, 18, tzinfo=dt.UTC)
    with translation.override("ru"):
        assert debtor_time(moment, KAMCHATKA).format("d.m H:i") == "09.12 01:18 (МСК+9)"
