from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from loans.models import PayoutOrder, Region
from tests.factories import BorrowerFactory, RegionFactory
from underwriting.identity import OK, UNKNOWN, WARN, passport_age_check, phone_region_check
from underwriting.models import NumberingRange
from underwriting.selectors import dossier

ON = date(2026, 11, 2)


@pytest.mark.parametrize(
    "series,birth,state",
    [
        ("4512", date(1990, 5, 17), OK),  # issued at 22: fine
        ("4504", date(1990, 5, 17), OK),  # issued at 14, replaced at 20 is due in 2010…
        ("4521", date(2001, 3, 1), OK),  # issued at 20
        ("4505", date(1999, 3, 1), WARN),  # printed when 6 years old
        ("4509", date(1975, 1, 1), WARN),  # issued at 34, not replaced at 45
        ("4520", date(1975, 1, 1), OK),  # replaced at 45
        ("45ab", date(1990, 1, 1), UNKNOWN),
    ],
)
def test_passport_series_against_age(series, birth, state):
    if series == "4504":
        state = WARN  # …so a 2004 passport of a 36-year-old should have been replaced
    assert passport_age_check(series=series, birth_date=birth, on=ON).state == state


def test_a_passport_due_for_replacement_within_90_days_is_still_fine():
    birth = date(2006, 9, 1)  # turned 20 two months before ON
    assert passport_age_check(series="4520", birth_date=birth, on=ON).state == OK
    assert passport_age_check(series="4519", birth_date=birth, on=ON).state == OK


def test_phone_issued_in_another_region_is_flagged(db):
    moscow = RegionFactory()
    samara = Region.objects.get(code="63")
    NumberingRange.objects.create(
        code=927,
        first=0,
        last=9_999_999,
        operator="ПАО МТС",
        region_name="Самарская обл.",
        region=samara,
    )
    borrower = BorrowerFactory(phone="+79271234567", region=moscow)
    check = phone_region_check(borrower)
    assert check.state == WARN and "Самарская область" in check.detail


def test_phone_issued_in_the_home_region_is_fine(db):
    moscow = RegionFactory()
    NumberingRange.objects.create(
        code=916,
        first=1_000_000,
        last=1_999_999,
        operator="ПАО МТС",
        region_name="г. Москва",
        region=moscow,
    )
    assert phone_region_check(BorrowerFactory(phone="+79161234567", region=moscow)).state == OK


def test_a_number_outside_the_loaded_plan_is_unknown(db):
    assert phone_region_check(BorrowerFactory(phone="+79990000000")).state == UNKNOWN


def test_a_card_paid_to_another_borrower_is_flagged(make_task):
    other_task = make_task(card_token="tok_shared")
    PayoutOrder.objects.create(
        loan=other_task.loan,
        attempt=1,
        method="card",
        card_token="tok_shared",
        card_last4="4242",
        amount_kop=100_000,
    )
    task = make_task(card_token="tok_shared")
    with translation.override("en"):
        checks = {c.name: c for c in dossier(task=task).checks}
    card = checks["Same card under another borrower"]
    assert card.state == WARN and f"#{other_task.loan.borrower_id}" in card.detail


def test_a_passport_once_held_by_another_borrower_is_flagged(make_task):
    task = make_task()
    borrower = task.loan.borrower
    earlier = BorrowerFactory(passport_series="4510", passport_number="999999")
    earlier.passport_number = "888888"
    earlier.save()
    borrower.passport_number = "999999"
    borrower.save()
    with translation.override("en"):
        checks = {c.name: c for c in dossier(task=task).checks}
    assert checks["Same passport under another borrower"].state == WARN
    assert checks["Same phone under another borrower"].state == OK


def test_the_offer_preview_counts_the_robots_other_payments_in_the_debt_load(make_task):
    from underwriting.selectors import offer_preview

    loan = make_task(amount_kop=1_000_000, term_days=30).loan
    alone = offer_preview(loan=loan, on=ON, existing_payments_kop=0)
    with_debts = offer_preview(loan=loan, on=ON, existing_payments_kop=2_000_000)
    unknown = offer_preview(loan=loan, on=ON, existing_payments_kop=None)
    # 10 000 ₽ + 2 400 ₽ interest against an income of 80 000 ₽; then 20 000 ₽ more a month.
    assert (alone.pdn_percent, with_debts.pdn_percent) == (Decimal("15.50"), Decimal("40.50"))
    assert unknown.pdn_percent is None and unknown.psk_percent == alone.psk_percent


def test_the_numbering_plan_loads_from_the_regulator_csv(db, tmp_path):
    RegionFactory()
    path = tmp_path / "DEF-9xx.csv"
    path.write_text(
        "АВС/ DEF;От;До;Емкость;Оператор;Регион;ИНН\n"
        "916;1000000;1999999;1000000;ПАО МТС;г. Москва и Московская обл.;7740000076\n"
        "927;0;999999;1000000;ПАО МегаФон;Самарская обл.;7812014560\n",
        encoding="utf-8",
    )
    call_command("import_numbering_plan", str(path))
    assert NumberingRange.objects.count() == 2
    assert NumberingRange.objects.get(code=916).region.code == "77"
    assert NumberingRange.objects.get(code=927).region.code == "63"


def test_a_bad_line_in_the_numbering_plan_names_it_and_stores_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "АВС/ DEF;От;До;Емкость;Оператор;Регион;ИНН\n"
        "916;1000000;1999999;1000000;ПАО МТС;г. Москва;1\n"
        "916;abc;1999999;1;ПАО МТС;г. Москва;1\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="line 3"):
        call_command("import_numbering_plan", str(path))
    assert not NumberingRange.objects.exists()
