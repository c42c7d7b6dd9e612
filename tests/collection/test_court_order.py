"""The application for a court order: the calculation matches the ledger to the kopeck, the
state fee follows the Tax Code's scale, and the CSV opens in a Russian Excel."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from collection import claim, services
from collection.models import StateFeeBracket
from kernel import exports
from loans.business_date import current_business_date
from loans.ledger import loan_ledger_balances
from loans.models import LenderDetails, Loan
from tests.loans.helpers import repay

pytestmark = pytest.mark.django_db
FILED = dt.date(2026, 12, 10)


@pytest.fixture
def legal_case(case, team_lead):
    repay(case.loan, 12_345)
    return services.case_hand_over_to_legal(case=case, actor=team_lead)


@pytest.fixture
def calc(legal_case):
    loan = Loan.objects.get(pk=legal_case.loan_id)
    return claim.calculation(loan=loan, on=current_business_date())


def test_the_claimed_sum_is_the_ledgers_balance_to_the_kopeck(calc):
    ledger = loan_ledger_balances(loan_id=calc.loan.pk)
    assert calc.balances == {
        "principal": ledger.principal_kop,
        "interest": ledger.interest_kop,
        "penalty": ledger.penalty_kop,
        "fees": ledger.fees_kop,
    }
    assert calc.claimed_kop == Loan.objects.get(pk=calc.loan.pk).debt_kop


def test_charges_by_period_less_payments_are_the_balances(calc):
    paid = {
        "principal": sum(p.principal_kop for p in calc.payments),
        "interest": sum(p.interest_kop for p in calc.payments),
        "penalty": sum(p.penalty_kop for p in calc.payments),
    }
    assert calc.issued_kop - paid["principal"] == calc.balances["principal"]
    assert calc.interest_charged_kop - paid["interest"] == calc.balances["interest"]
    assert calc.penalty_charged_kop - paid["penalty"] == calc.balances["penalty"]


def test_the_interest_periods_carry_days_rate_and_base(calc):
    first = calc.interest[0]
    assert first.base_kop == 1_000_000
    assert first.daily_kop == 8_000  # 0.8 % a day on 10 000 ₽
    assert first.rate == "0,8\u00a0% в день"
    assert sum(p.days for p in calc.interest) >= 30


def test_the_penalty_accrues_on_the_overdue_principal_at_twenty_per_cent_a_year(calc):
    assert calc.penalty, "the loan is overdue: penalty days"
    assert all(p.base_kop == 1_000_000 for p in calc.penalty)
    assert calc.penalty[0].rate == "20,00\u00a0% годовых"


def test_payments_received_show_their_allocation(calc):
    (payment,) = calc.payments
    assert payment.amount_kop == 12_345
    total = payment.principal_kop + payment.interest_kop + payment.penalty_kop + payment.fees_kop
    assert total == 12_345


@pytest.mark.parametrize(
    ("claim_rub", "fee_rub"),
    [
        (50_000, 4_000),  # up to 100 000 ₽: 4 000 ₽
        (150_000, 5_500),  # 4 000 + 3 % of 50 000
        (400_000, 12_500),  # 10 000 + 2.5 % of 100 000
        (100_000_000_000, 900_000),  # never above 900 000 ₽
    ],
)
def test_the_claim_fee_follows_the_tax_codes_scale(claim_rub, fee_rub):
    assert claim.claim_fee_kop(claim_kop=claim_rub * 100, on=FILED) == fee_rub * 100


def test_a_court_order_pays_half_the_claim_fee():
    assert claim.court_order_fee_kop(claim_kop=15_000_000, on=FILED) == 275_000


def test_the_fee_is_rounded_to_the_full_rouble():
    # 4 000 + 3 % of 100.17 ₽ = 4 003.0051 ₽ → 4 003 ₽
    assert claim.claim_fee_kop(claim_kop=10_010_017, on=FILED) == 400_300


def test_a_date_without_a_fee_scale_is_refused():
    StateFeeBracket.objects.all().delete()
    with pytest.raises(claim.DomainError, match="state fee scale"):
        claim.claim_fee_kop(claim_kop=100, on=FILED)


def test_the_calculation_csv_opens_in_a_russian_excel(calc):
    data = exports.csv_bytes(claim.calculation_sheet(calc))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Раздел", "С", "По", "Дней", "База, ₽", "Ставка", "Сумма, ₽"]
    total = rows[-1]
    assert total[0] == "Итого к взысканию"
    roubles, kopecks = divmod(calc.claimed_kop, 100)
    assert total[-1] == f"{roubles},{kopecks:02d}"
    interest = next(row for row in rows if row[0] == "Проценты")
    assert interest[1].count(".") == 2 and interest[4] == "10000,00"


def test_the_application_names_the_parties_the_sum_and_the_fee(legal_case):
    LenderDetails.objects.filter(pk=1).update(short_name="ООО МФК «Тест»")
    html = claim.application_html(case=legal_case, on=current_business_date())
    loan = Loan.objects.get(pk=legal_case.loan_id)
    assert "Заявление о вынесении судебного приказа" in html
    assert "ООО МФК «Тест»" in html
    assert loan.borrower.full_name in html
    assert "2\u00a0000,00\u00a0₽" in html  # half of 4 000 ₽ for a claim under 100 000 ₽


@pytest.mark.urls("tests.collection.test_cob_and_legal")
def test_the_legal_page_serves_the_application_as_pdf_and_the_calculation_csv(
    client, legal_case, collector
):
    url = reverse("collection:claim-package", args=[legal_case.pk])
    client.force_login(collector)
    pdf = client.get(url, {"format": "pdf"})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    calculation = client.get(url, {"format": "csv"})
    assert calculation.content.startswith(b"\xef\xbb\xbf")
    workbook = client.get(url, {"format": "xlsx"})
    assert workbook.content.startswith(b"PK")  # a zip: the XLSX container
    assert "court-order-pdf" in client.get(url).content.decode()
