"""Reconciliation with the provider: the sandbox's settlement report for a day, read back by
`reconcile_payments` against the book."""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from cards import services as credit_lines
from cards.accrual import credit_line_repayment_quote_kop
from cards.models import CreditLine, DrawKind
from loans import services
from loans.business_date import set_business_date
from loans.models import Loan, PayoutMethod
from tests.clientapi.conftest import webhook
from tests.factories import DEMO_BIK, BorrowerFactory, live_loan, payment_intent, valid_account
from zaymer.models import Reconciliation, ReconciliationDifference


@dataclass
class Day:
    on: date
    paid_off: Loan
    partly: Loan
    line: CreditLine
    statement: Path

    def rows(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.statement.read_text())))

    def write(self, rows: list[list[str]], name: str = "edited.csv") -> Path:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path = self.statement.with_name(name)
        path.write_text(out.getvalue())
        return path

    def row(self, event_id: str) -> list[str]:
        return next(r for r in self.rows() if r[0] == event_id)


def pay(api: APIClient, *, event_id: str, amount_kop: int, **target) -> None:
    intent = payment_intent(amount_kop=amount_kop, **target)
    event = {
        "event_id": event_id,
        "type": "payment.succeeded",
        "data": {"payment_id": str(intent.pk), "amount_kop": amount_kop},
    }
    assert webhook(api, event).status_code == 200


def statement(on: date, path: Path) -> Path:
    out = io.StringIO()
    call_command("sandbox_statement", on=on, stdout=out, stderr=io.StringIO())
    path.write_text(out.getvalue())
    return path


def reconcile(path: Path) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("reconcile_payments", statement=str(path), stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def day(db, django_capture_on_commit_callbacks, tmp_path) -> Day:
    """Two loans paid out, one repaid above its debt and refunded, one repaid in part; a card
    bought with, transferred from (a payout), repaid above its debt and refunded."""
    today = timezone.localdate()
    set_business_date(on=today)
    api = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        paid_off, partly = live_loan(), live_loan()
        line = credit_lines.credit_line_open(
            borrower=BorrowerFactory(), limit_kop=3_000_000, daily_rate_ppm=5_000
        )
        credit_lines.credit_line_draw(
            credit_line=line,
            kind=DrawKind.PURCHASE,
            amount_kop=500_000,
            idempotency_key="buy-1",
            merchant="Магазин",
        )
        credit_lines.credit_line_draw(
            credit_line=line,
            kind=DrawKind.TRANSFER,
            amount_kop=200_000,
            idempotency_key="transfer-1",
            payout_reference="bank_account:1",
            payout_method=PayoutMethod.BANK_ACCOUNT,
            payout_destination={"account": valid_account(), "bik": DEMO_BIK},
        )
    paid_off, partly = (Loan.objects.get(pk=loan.pk) for loan in (paid_off, partly))
    line = CreditLine.objects.get(pk=line.pk)
    full = services.repayment_quote_kop(loan=paid_off)
    pay(api, event_id="evt-a", amount_kop=full + 5_000, loan=paid_off)
    pay(api, event_id="evt-b", amount_kop=300_000, loan=partly)
    card_debt = credit_line_repayment_quote_kop(credit_line=line)
    pay(api, event_id="evt-card", amount_kop=card_debt + 10_000, credit_line=line)
    services.loan_refund_overpayment(loan=Loan.objects.get(pk=paid_off.pk))
    credit_lines.credit_line_refund(credit_line=CreditLine.objects.get(pk=line.pk))
    return Day(today, paid_off, partly, line, statement(today, tmp_path / "statement.csv"))


def kinds() -> list[str]:
    return list(ReconciliationDifference.objects.values_list("kind", flat=True))


# --- the day reconciles --------------------------------------------------------------------


def test_the_statement_has_a_row_for_each_payout_payment_and_refund_of_the_day(day):
    header, *rows = day.rows()
    assert header == ["event_id", "kind", "amount_kop", "currency", "date", "our_reference"]
    assert sorted(r[1] for r in rows) == ["payment"] * 3 + ["payout"] * 3 + ["refund"] * 2
    assert {r[4] for r in rows} == {day.on.isoformat()}
    assert {r[3] for r in rows} == {"RUB"}


def test_a_day_of_payouts_repayments_and_a_card_reconciles(day):
    status, output = reconcile(day.statement)

    assert status == 0, output
    run = Reconciliation.objects.get()
    assert (run.rows, run.matched, run.differences) == (8, 8, 0)
    assert run.business_date == day.on
    assert run.provider_net_kop == run.booked_net_kop
    call_command("ledger_check", stdout=io.StringIO())


def test_a_report_in_roubles_with_a_decimal_comma_reconciles(day):
    header, *rows = day.rows()
    header[2] = "amount"
    for row in rows:
        rub, kop = divmod(int(row[2]), 100)
        row[2] = f"{rub:,}".replace(",", " ") + f",{kop:02d}"
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows([header, *rows])
    path = day.statement.with_name("roubles.csv")
    path.write_text(out.getvalue())

    status, output = reconcile(path)

    assert status == 0, output


def test_a_report_with_russian_dates_and_a_byte_order_mark_reconciles(day):
    header, *rows = day.rows()
    russian = day.on.strftime("%d.%m.%Y")
    path = day.write([header, *[[*r[:4], russian, r[5]] for r in rows]])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    status, output = reconcile(path)

    assert status == 0, output


# --- differences: exit 1, each named ---------------------------------------------------------


def test_a_payment_the_provider_collected_that_is_not_booked_is_missing_on_our_side(day):
    rows = [*day.rows(), ["evt-ghost", "payment", "10000", "RUB", day.on.isoformat(), ""]]

    status, output = reconcile(day.write(rows))

    assert status == 1
    assert "evt-ghost" in output
    assert kinds() == ["missing_ours"]


def test_a_booking_the_provider_does_not_report_is_missing_on_its_side(day):
    rows = [r for r in day.rows() if r[0] != "evt-b"]

    status, output = reconcile(day.write(rows))

    assert status == 1
    assert "evt-b" in output
    assert kinds() == ["missing_theirs"]


def test_another_amount_than_booked_is_an_amount_mismatch(day):
    rows = [[*r[:2], "299999", *r[3:]] if r[0] == "evt-b" else r for r in day.rows()]

    status, output = reconcile(day.write(rows))

    assert status == 1
    assert "evt-b" in output
    difference = ReconciliationDifference.objects.get()
    assert difference.kind == "amount"
    assert (difference.provider_amount_kop, difference.booked_amount_kop) == (299_999, 300_000)


def test_another_currency_than_booked_is_a_currency_mismatch(day):
    rows = [[*r[:3], "USD", *r[4:]] if r[0] == "evt-card" else r for r in day.rows()]

    status, output = reconcile(day.write(rows))

    assert status == 1
    assert "evt-card" in output
    assert kinds() == ["currency"]


def test_the_same_event_twice_in_the_file_is_a_duplicate(day):
    rows = [*day.rows(), day.row("evt-a")]

    status, output = reconcile(day.write(rows))

    assert status == 1
    assert "evt-a" in output
    difference = ReconciliationDifference.objects.get()
    assert (difference.kind, difference.line) == ("duplicate", 10)


def test_a_payout_reported_twice_under_two_event_ids_is_a_duplicate(day):
    payout = next(r for r in day.rows() if r[1] == "payout")
    rows = [*day.rows(), ["sbx-again", *payout[1:]]]

    status, _ = reconcile(day.write(rows))

    assert status == 1
    assert kinds() == ["duplicate"]


def test_a_movement_the_provider_reports_on_another_day_is_named_with_its_booking_date(day):
    next_day = (day.on + timedelta(days=1)).isoformat()
    header = day.rows()[0]
    rows = [header, [*day.row("evt-b")[:4], next_day, day.row("evt-b")[5]]]

    status, output = reconcile(day.write(rows))

    assert status == 1
    difference = ReconciliationDifference.objects.get()
    assert (difference.kind, difference.booked_on) == ("date", day.on)
    assert day.on.isoformat() in output


# --- bad files: exit 2 with the line, nothing kept ------------------------------------------

HEADER = "event_id,kind,amount_kop,currency,date,our_reference\n"
GOOD = "evt-1,payment,10000,RUB,2026-12-03,\n"


@pytest.mark.parametrize(
    ("content", "line"),
    [
        pytest.param("", 1, id="empty file"),
        pytest.param(HEADER, 2, id="header and no rows"),
        pytest.param("event_id,kind,amount_kop,date,our_reference\n" + GOOD, 1, id="no currency"),
        pytest.param(HEADER.replace("\n", ",memo\n") + GOOD, 1, id="an unknown column"),
        pytest.param(HEADER + GOOD + "evt-2,payment,12.50,RUB,2026-12-03,\n", 3, id="kop as rub"),
        pytest.param(HEADER + "evt-2,payment,-100,RUB,2026-12-03,\n", 2, id="negative"),
        pytest.param(HEADER + "evt-2,payment,0,RUB,2026-12-03,\n", 2, id="zero"),
        pytest.param(HEADER + GOOD + "evt-2,payment,100,XYZ,2026-12-03,\n", 3, id="currency"),
        pytest.param(HEADER + GOOD + GOOD + "evt-3,payment,100,RUB,2026-13-01,\n", 4, id="date"),
        pytest.param(HEADER + "evt-2,payment,100,RUB,2026-12-04,\n" + GOOD, 3, id="two days"),
        pytest.param(HEADER + "evt-2,payment,100,RUB\n", 2, id="too few fields"),
        pytest.param(HEADER + "evt-2,chargeback,100,RUB,2026-12-03,\n", 2, id="unknown kind"),
        pytest.param(HEADER + "evt-2,payout,100,RUB,2026-12-03,\n", 2, id="payout without ref"),
        pytest.param(
            "event_id;kind;amount;currency;date;our_reference\n"
            "evt-1;payment;100,5,5;RUB;2026-12-03;\n",
            2,
            id="bad roubles",
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_line_and_nothing_is_kept(db, tmp_path, content, line):
    path = tmp_path / "bad.csv"
    path.write_text(content)

    status, output = reconcile(path)

    assert status == 2
    assert f"{line}:" in output
    assert not Reconciliation.objects.exists()
    assert not ReconciliationDifference.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_with_its_line(db, tmp_path):
    path = tmp_path / "cp1251.csv"
    path.write_bytes((HEADER + GOOD + "evt-2,payment,100,RUB,2026-12-03,Оплата\n").encode("cp1251"))

    status, output = reconcile(path)

    assert (status, "3:" in output) == (2, True)
    assert not Reconciliation.objects.exists()


def test_a_file_that_cannot_be_read_is_refused(db, tmp_path):
    status, output = reconcile(tmp_path / "absent.csv")

    assert status == 2
    assert "absent.csv" in output
    assert not Reconciliation.objects.exists()
