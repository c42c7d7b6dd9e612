"""The virtual card: a revolving credit line with draws, daily interest, repayments,
statements, minimum payments, limit changes and the caps.

Expected figures are computed by hand (or with `rounded_down`), never read from the code.
"""

import datetime as dt
import itertools
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F, Sum
from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cards import services as cl
from cards import tasks as card_tasks
from cards import transfers as card_transfers
from cards.accrual import credit_line_repayment_quote_kop
from cards.cob import step_credit_lines
from cards.errors import (
    CreditLimitExceeded,
    CreditLineClosed,
    CreditLineExists,
    CreditLineFrozen,
    CreditLineOverdue,
)
from cards.ledger import credit_line_ledger_balances, credit_lines_out_of_balance
from cards.models import (
    CreditLine,
    CreditLineDraw,
    CreditLineLimitChange,
    CreditLineRepayment,
    CreditLineStatement,
    CreditLineStatus,
    CreditLineTransfer,
    DrawKind,
    FreezeReason,
    StatementStatus,
    TransferStatus,
)
from cards.terms import PSK_CATEGORY
from loans import messaging, tasks
from loans.business_date import MOSCOW, current_business_date, set_business_date
from loans.cob import run_cob_until
from loans.errors import CapExceeded, DomainError, InvalidAmount
from loans.gateway import SandboxGateway
from loans.ledger import account_balance
from loans.models import (
    Account,
    BorrowerMessage,
    JournalEntry,
    JournalLine,
    MarketAveragePsk,
    MessageStatus,
    PayoutMethod,
)
from loans.money import format_rub
from tests.factories import DEMO_BIK, BorrowerFactory, valid_account
from tests.loans.helpers import DAY, open_day, rolled_back, rounded_down

HOUR = dt.timedelta(hours=1)
START = dt.date(2026, 11, 2)  # contracts from 2026-04-01: charges capped at 1.0 × principal
RATE = 8_000  # 0.8 % per day
LIMIT = 3_000_000  # 30 000 ₽
_keys = itertools.count(1)


def key() -> str:
    return f"draw-{next(_keys)}"


def event() -> str:
    return f"evt-card-{next(_keys)}"


def fresh(line: CreditLine) -> CreditLine:
    return CreditLine.objects.get(pk=line.pk)


def open_line(*, limit_kop: int = LIMIT, rate: int = RATE, **kwargs) -> CreditLine:
    return cl.credit_line_open(
        borrower=kwargs.pop("borrower", None) or BorrowerFactory(),
        limit_kop=limit_kop,
        daily_rate_ppm=rate,
        **kwargs,
    )


def buy(line: CreditLine, amount_kop: int, **kwargs) -> CreditLineDraw:
    return cl.credit_line_draw(
        credit_line=line,
        kind=DrawKind.PURCHASE,
        amount_kop=amount_kop,
        idempotency_key=kwargs.pop("idempotency_key", None) or key(),
        merchant="Магазин",
        **kwargs,
    )


def transfer(line: CreditLine, amount_kop: int, **kwargs) -> CreditLineDraw:
    """A transfer to the borrower's own bank account; the payout task is left to the test."""
    return cl.credit_line_draw(
        credit_line=line,
        kind=DrawKind.TRANSFER,
        amount_kop=amount_kop,
        idempotency_key=kwargs.pop("idempotency_key", None) or key(),
        payout_reference="bank_account:7",
        payout_method=PayoutMethod.BANK_ACCOUNT,
        payout_destination={"account": valid_account(), "bik": DEMO_BIK},
    )


def send(draw: CreditLineDraw, outcome: str = "succeed") -> CreditLineTransfer:
    """The payout task, with the sandbox gateway answering `outcome`."""
    SandboxGateway.queue_outcomes(outcome)
    card_tasks.send_card_transfer(draw.transfer.pk)
    return CreditLineTransfer.objects.get(pk=draw.transfer.pk)


def in_transit() -> int:
    return account_balance(account=Account.PAYOUTS_IN_TRANSIT)


def pay(line: CreditLine, amount_kop: int, **kwargs) -> CreditLineRepayment:
    return cl.credit_line_repay(
        credit_line=line,
        amount_kop=amount_kop,
        provider="sbx",
        event_id=kwargs.pop("event_id", None) or event(),
    )


def book_state() -> tuple:
    return (
        JournalEntry.objects.count(),
        JournalLine.objects.aggregate(s=Sum("amount_kop"), n=Sum("id"))["n"],
        list(CreditLine.objects.order_by("pk").values()),
        list(CreditLineDraw.objects.order_by("pk").values()),
    )


def assert_cached_equals_ledger(line: CreditLine) -> None:
    line = fresh(line)
    ledger = credit_line_ledger_balances(credit_line_id=line.pk)
    assert (line.principal_out_kop, line.interest_out_kop) == (
        ledger.principal_kop,
        ledger.interest_kop,
    )
    assert credit_lines_out_of_balance() == []


@pytest.fixture
def line(business_date):
    return open_line()


# --- opening ---------------------------------------------------------------------------------


def test_opening_freezes_the_limits_of_the_day_and_the_psk_of_a_full_draw(business_date):
    line = open_line()

    assert line.status == CreditLineStatus.OPEN
    assert line.charges_cap_percent == 100
    assert line.psk_percent == Decimal("292.000")  # 0.8 %/day × 365, one cycle
    assert line.psk_kop == 30 * rounded_down(LIMIT * RATE, 1_000_000)
    assert line.statement_day == 2
    assert line.available_kop == LIMIT


def test_a_rate_above_the_daily_cap_is_refused_and_no_line_is_opened(business_date):
    with pytest.raises(CapExceeded):
        open_line(rate=8_001)

    assert CreditLine.objects.count() == 0


def test_a_psk_above_the_market_average_cap_for_cards_is_refused(business_date):
    MarketAveragePsk.objects.create(
        category=PSK_CATEGORY, valid_from=dt.date(2026, 10, 1), average_percent=150
    )

    with pytest.raises(CapExceeded, match=r"ПСК 292\.000 %"):
        open_line()  # the cap is 150 × 4/3 = 200 %

    assert open_line(rate=5_000).psk_percent == Decimal("182.500")


def test_a_second_open_line_for_the_same_borrower_is_refused(line):
    with pytest.raises(CreditLineExists):
        open_line(borrower=line.borrower)


def test_a_borrower_with_a_self_ban_gets_no_line(business_date):
    with pytest.raises(DomainError, match="self-ban"):
        open_line(borrower=BorrowerFactory(self_ban_active=True))


# --- draws -----------------------------------------------------------------------------------


def test_a_purchase_within_the_limit_moves_the_balance_with_a_balanced_entry(line):
    draw = buy(line, 1_000_000)

    line = fresh(line)
    assert line.principal_out_kop == 1_000_000
    assert line.available_kop == LIMIT - 1_000_000
    amounts = dict(draw.entry.lines.values_list("account", "amount_kop"))
    assert amounts == {Account.CARD_PRINCIPAL: 1_000_000, Account.CARD_SETTLEMENT: -1_000_000}
    assert draw.charges_cap_kop == 1_000_000
    assert_cached_equals_ledger(line)


def test_a_draw_above_the_available_limit_is_refused_and_changes_nothing(line):
    buy(line, 2_000_000)
    before = book_state()

    with pytest.raises(CreditLimitExceeded):
        buy(line, 1_000_001)

    assert book_state() == before


def test_the_same_idempotency_key_returns_the_first_draw_and_draws_once(line):
    first = buy(line, 100_000, idempotency_key="card-op-1")
    again = buy(line, 100_000, idempotency_key="card-op-1")

    assert again.pk == first.pk
    assert fresh(line).principal_out_kop == 100_000


def test_an_idempotency_key_reused_for_another_amount_is_refused(line):
    buy(line, 100_000, idempotency_key="card-op-2")

    with pytest.raises(DomainError, match="another draw"):
        buy(line, 200_000, idempotency_key="card-op-2")


def test_a_frozen_line_refuses_draws(line):
    cl.credit_line_freeze(credit_line=line)

    with pytest.raises(CreditLineFrozen):
        buy(line, 100)


def test_a_closed_line_refuses_draws(line):
    cl.credit_line_close(credit_line=line)

    with pytest.raises(CreditLineClosed):
        buy(line, 100)


# --- transfers through the payment gateway ---------------------------------------------------


def test_a_transfer_books_card_principal_in_transit_and_enqueues_the_send(line):
    with (
        mock.patch("kernel.dispatch.async_task") as enqueue,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        draw = transfer(line, 500_000)

    amounts = dict(draw.entry.lines.values_list("account", "amount_kop"))
    assert amounts == {Account.CARD_PRINCIPAL: 500_000, Account.PAYOUTS_IN_TRANSIT: -500_000}
    order = draw.transfer
    assert (order.status, order.account_number, order.bik) == ("sent", valid_account(), DEMO_BIK)
    assert order.idempotency_key == f"card-transfer-{order.pk}"
    enqueue.assert_called_once_with(
        "cards.tasks.send_card_transfer", order.pk, task_name=f"card-transfer-{order.pk}"
    )
    assert fresh(line).principal_out_kop == 500_000


def test_a_transfer_to_an_invalid_account_is_refused_and_changes_nothing(line):
    before = book_state()

    with pytest.raises(DomainError, match="control key"):
        cl.credit_line_draw(
            credit_line=line,
            kind=DrawKind.TRANSFER,
            amount_kop=100_000,
            idempotency_key=key(),
            payout_reference="bank_account:7",
            payout_method=PayoutMethod.BANK_ACCOUNT,
            payout_destination={"account": "40817810000000000001", "bik": DEMO_BIK},
        )

    assert book_state() == before
    assert not CreditLineTransfer.objects.exists()


def test_the_same_key_twice_returns_the_first_transfer_and_sends_once(line):
    first = transfer(line, 100_000, idempotency_key="card-op-3")
    again = transfer(line, 100_000, idempotency_key="card-op-3")

    assert again.pk == first.pk
    assert CreditLineTransfer.objects.count() == 1


def test_a_paid_transfer_moves_the_money_from_transit_to_cash(line):
    order = send(transfer(line, 500_000))

    assert order.status == TransferStatus.PAID
    assert order.gateway_ref.startswith("sbx-")
    assert in_transit() == 0
    assert account_balance(account=Account.CASH) == -500_000
    assert fresh(line).principal_out_kop == 500_000
    assert_cached_equals_ledger(line)
    call_command("ledger_check")


def test_a_failed_transfer_is_reversed_and_the_borrower_owes_nothing(line):
    draw = transfer(line, 500_000)

    order = send(draw, "fail")

    assert (order.status, order.failure_reason) == ("failed", "Declined by the issuing bank")
    reversal = JournalEntry.objects.get(kind="card_draw_reversal")
    amounts = dict(reversal.lines.values_list("account", "amount_kop"))
    assert amounts == {Account.PAYOUTS_IN_TRANSIT: 500_000, Account.CARD_PRINCIPAL: -500_000}
    assert CreditLineDraw.objects.get(pk=draw.pk).principal_out_kop == 0
    line = fresh(line)
    assert (line.debt_kop, line.available_kop) == (0, LIMIT)
    assert in_transit() == 0
    assert account_balance(account=Account.CASH) == 0
    assert_cached_equals_ledger(line)
    call_command("ledger_check")


def test_no_interest_accrues_on_a_failed_transfer_the_next_cob_day(line):
    send(transfer(line, 500_000), "fail")

    open_day(START + 2 * DAY)

    assert fresh(line).interest_out_kop == 0
    assert not JournalEntry.objects.filter(kind="card_accrual").exists()


def test_a_failure_reported_after_interest_accrued_reverses_that_interest(line):
    draw = transfer(line, 1_000_000)
    open_day(START + 3 * DAY)
    assert fresh(line).interest_out_kop == 2 * 8_000

    card_transfers.card_transfer_failed(transfer_id=draw.transfer.pk, reason="returned")

    line = fresh(line)
    assert (line.debt_kop, line.charges_total_kop) == (0, 0)
    assert account_balance(account=Account.INTEREST_INCOME) == 0
    assert_cached_equals_ledger(line)


def test_a_failure_after_part_of_the_transfer_was_repaid_owes_that_part_back(line):
    draw = transfer(line, 500_000)
    pay(line, 200_000)

    card_transfers.card_transfer_failed(transfer_id=draw.transfer.pk, reason="returned")

    assert fresh(line).debt_kop == 0
    assert account_balance(account=Account.CARD_REFUND_DUE) == -200_000
    assert in_transit() == 0
    assert_cached_equals_ledger(line)


def test_a_failure_after_a_repayment_takes_the_repaid_principal_off_the_other_draws(line):
    draw = transfer(line, 500_000)
    buy(line, 300_000)
    pay(line, 200_000)  # went to the transfer, the oldest draw

    card_transfers.card_transfer_failed(transfer_id=draw.transfer.pk, reason="returned")

    assert fresh(line).principal_out_kop == 100_000
    assert account_balance(account=Account.CARD_REFUND_DUE) == 0
    assert_cached_equals_ledger(line)


def test_a_repeated_result_has_one_effect(line):
    paid = transfer(line, 100_000)
    failed = transfer(line, 200_000)

    for _ in range(2):
        card_transfers.card_transfer_succeeded(transfer_id=paid.transfer.pk, reference="r")
        card_transfers.card_transfer_failed(transfer_id=failed.transfer.pk, reason="declined")

    assert JournalEntry.objects.filter(kind="card_transfer_paid").count() == 1
    assert JournalEntry.objects.filter(kind="card_draw_reversal").count() == 1
    assert fresh(line).principal_out_kop == 100_000
    assert_cached_equals_ledger(line)


def test_a_result_contradicting_the_first_is_refused(line):
    order = send(transfer(line, 100_000), "fail")

    with pytest.raises(DomainError, match="already reported failed"):
        card_transfers.card_transfer_succeeded(transfer_id=order.pk)

    assert CreditLineTransfer.objects.get(pk=order.pk).status == TransferStatus.FAILED


def test_a_transfer_whose_answer_was_lost_is_settled_by_the_poll(line):
    order = send(transfer(line, 100_000), "timeout")
    assert order.status == TransferStatus.PENDING

    assert tasks.poll_pending_payouts() == 1
    assert tasks.poll_pending_payouts() == 0

    assert CreditLineTransfer.objects.get(pk=order.pk).status == TransferStatus.PAID
    assert in_transit() == 0


def test_a_statement_nets_a_failed_transfer_off_its_draws(line):
    buy(line, 300_000)
    send(transfer(line, 500_000), "fail")

    open_day(dt.date(2026, 12, 3))  # COB closed 2 December: statement day

    statement = CreditLineStatement.objects.get(credit_line=line)
    assert (statement.opening_balance_kop, statement.draws_kop) == (0, 300_000)


# --- interest --------------------------------------------------------------------------------


def test_interest_accrues_each_day_on_the_drawn_balance_from_the_day_after_the_draw(line):
    buy(line, 1_234_567)

    open_day(START + 3 * DAY)  # COB closed 2, 3 and 4 November

    daily = rounded_down(1_234_567 * RATE, 1_000_000)  # 9 876,53 ₽ → 9 876 kop
    line = fresh(line)
    assert line.interest_out_kop == 2 * daily  # not on the day of the draw itself
    assert line.accrued_through == START + 2 * DAY
    assert_cached_equals_ledger(line)


def test_cob_accrual_runs_once_per_line_and_date(line):
    buy(line, 1_000_000)
    open_day(START + DAY)
    with connection.cursor() as cursor:
        step_credit_lines(cursor, START + DAY)
        once = fresh(line).interest_out_kop
        step_credit_lines(cursor, START + DAY)

    assert fresh(line).interest_out_kop == once == 8_000
    assert JournalEntry.objects.filter(kind="card_accrual").count() == 1


def without_penalty(line: CreditLine) -> CreditLine:
    """A line whose arrears carry no penalty, so that interest alone fills the caps."""
    CreditLine.objects.filter(pk=line.pk).update(penalty_rate_num=0)
    return fresh(line)


def test_interest_stops_when_a_draw_has_carried_its_cap(business_date):
    line = without_penalty(open_line(limit_kop=100_000))
    buy(line, 100_000)  # 1 000 ₽: 8 ₽ a day, capped at 1 000 ₽ (1.0 ×)

    open_day(START + 130 * DAY)

    line = fresh(line)
    assert line.interest_out_kop == 100_000
    assert line.charges_total_kop == 100_000
    assert CreditLineDraw.objects.get().charges_kop == 100_000
    assert_cached_equals_ledger(line)


def test_each_draw_stops_at_its_own_cap(business_date):
    line = without_penalty(open_line(limit_kop=200_000))
    first = buy(line, 100_000)
    open_day(START + 20 * DAY)
    second = buy(line, 100_000)

    open_day(START + 127 * DAY)  # the first reached its cap on day 125; the second goes on
    assert fresh(line).interest_out_kop == 100_000 + 106 * 800
    open_day(START + 146 * DAY)

    assert fresh(line).interest_out_kop == 200_000
    assert CreditLineDraw.objects.get(pk=first.pk).charges_kop == 100_000
    assert CreditLineDraw.objects.get(pk=second.pk).charges_kop == 100_000


def test_a_repayment_accrues_today_and_cob_then_skips_the_line(line):
    buy(line, 1_000_000)
    open_day(START + DAY)
    pay(line, 100)

    assert fresh(line).accrued_through == START + DAY
    run_cob_until(until=START + DAY)

    assert JournalEntry.objects.filter(kind="card_accrual").count() == 1
    assert_cached_equals_ledger(line)


def test_the_repayment_quote_is_the_debt_with_todays_interest(line):
    buy(line, 1_000_000)
    open_day(START + 2 * DAY)

    quote = credit_line_repayment_quote_kop(credit_line=fresh(line))

    assert quote == 1_000_000 + 2 * 8_000
    pay(line, quote)
    assert fresh(line).debt_kop == 0


# --- repayments ------------------------------------------------------------------------------


def test_a_repayment_pays_interest_before_principal(line):
    buy(line, 1_000_000)
    open_day(START + 3 * DAY)  # 2 × 8 000 accrued; the payment day adds 8 000 more

    payment = pay(line, 30_000)

    assert (payment.interest_kop, payment.principal_kop) == (24_000, 6_000)
    line = fresh(line)
    assert (line.interest_out_kop, line.principal_out_kop) == (0, 994_000)
    assert_cached_equals_ledger(line)


def test_principal_repays_the_oldest_draw_first(line):
    first = buy(line, 100_000)
    second = buy(line, 200_000)

    pay(line, 150_000)

    assert CreditLineDraw.objects.get(pk=first.pk).principal_out_kop == 0
    assert CreditLineDraw.objects.get(pk=second.pk).principal_out_kop == 150_000


def test_a_repayment_above_the_debt_is_refused_and_changes_nothing(line):
    buy(line, 100_000)
    before = book_state()

    with pytest.raises(InvalidAmount):
        pay(line, 100_001)

    assert book_state() == before


def test_the_same_provider_event_twice_is_applied_once(line):
    buy(line, 100_000)

    first = pay(line, 50_000, event_id="evt-same")
    again = pay(line, 50_000, event_id="evt-same")

    assert again.pk == first.pk
    assert fresh(line).principal_out_kop == 50_000


# --- statements and the minimum payment ------------------------------------------------------


def test_the_statement_day_issues_a_statement_with_its_minimum_payment(line):
    buy(line, 1_000_000)
    open_day(START + 5 * DAY)
    pay(line, 50_000)  # 5 days of interest (40 000), then 10 000 of principal

    open_day(dt.date(2026, 12, 3))  # COB closed 2 December: statement day

    statement = CreditLineStatement.objects.get()
    assert (statement.period_start, statement.period_end) == (START, dt.date(2026, 12, 2))
    assert statement.draws_kop == 1_000_000
    assert statement.payments_kop == 50_000
    # 30 days of interest: 5 on 1 000 000, then 25 on 990 000 (7 920 a day)
    assert statement.interest_kop == 5 * 8_000 + 25 * 7_920
    assert statement.opening_balance_kop == 0
    assert statement.closing_balance_kop == 990_000 + 25 * 7_920
    # all interest + 5 % of principal
    assert statement.minimum_payment_kop == 25 * 7_920 + 49_500
    assert statement.due_date == dt.date(2026, 12, 22)
    assert statement.status == StatementStatus.DUE
    assert fresh(line).period_from == dt.date(2026, 12, 3)


def test_the_minimum_payment_is_at_least_100_roubles_or_the_whole_debt(business_date):
    small, tiny = open_line(rate=1_000), open_line(rate=1_000)  # 0.1 % per day
    buy(small, 50_000)  # 500 ₽: 15 ₽ of interest + 25 ₽ is below 100 ₽
    buy(tiny, 5_000)  # 50 ₽: the whole debt is below 100 ₽

    open_day(dt.date(2026, 12, 3))

    by_line = dict(CreditLineStatement.objects.values_list("credit_line", "minimum_payment_kop"))
    assert by_line[small.pk] == 10_000
    assert by_line[tiny.pk] == fresh(tiny).debt_kop < 10_000


def test_paying_the_minimum_by_the_due_date_keeps_the_line_open(line):
    buy(line, 1_000_000)
    open_day(dt.date(2026, 12, 3))
    statement = CreditLineStatement.objects.get()

    pay(line, statement.minimum_payment_kop)
    open_day(dt.date(2026, 12, 24))

    assert CreditLineStatement.objects.get().status == StatementStatus.PAID
    assert fresh(line).status == CreditLineStatus.OPEN


def test_a_missed_minimum_payment_freezes_the_line_and_stops_draws(line):
    buy(line, 1_000_000)
    open_day(dt.date(2026, 12, 3))
    statement = CreditLineStatement.objects.get()
    pay(line, statement.minimum_payment_kop - 1)

    open_day(dt.date(2026, 12, 23))  # COB closed the due date, 22 December

    line = fresh(line)
    assert CreditLineStatement.objects.get().status == StatementStatus.MISSED
    assert line.status == CreditLineStatus.FROZEN
    assert line.freeze_reason == FreezeReason.MISSED_PAYMENT
    assert line.overdue_kop == 1
    with pytest.raises(CreditLineOverdue):
        buy(line, 100)


def test_paying_the_arrears_lifts_the_freeze(line):
    buy(line, 1_000_000)
    open_day(dt.date(2026, 12, 3))
    open_day(dt.date(2026, 12, 23))
    overdue = fresh(line).overdue_kop

    pay(line, overdue)

    line = fresh(line)
    assert (line.status, line.overdue_kop) == (CreditLineStatus.OPEN, 0)
    buy(line, 100)


def test_a_staff_freeze_is_not_lifted_by_a_payment(line):
    buy(line, 100_000)
    cl.credit_line_freeze(credit_line=line)

    pay(line, 100)

    assert fresh(line).status == CreditLineStatus.FROZEN


# --- limit changes ---------------------------------------------------------------------------


def test_a_limit_change_is_recorded_with_its_reason(line):
    change = cl.credit_line_change_limit(
        credit_line=line, new_limit_kop=5_000_000, reason="good payer"
    )

    assert (change.old_limit_kop, change.new_limit_kop) == (LIMIT, 5_000_000)
    assert fresh(line).limit_kop == 5_000_000
    assert CreditLineLimitChange.objects.count() == 1


def test_a_limit_below_the_drawn_balance_only_stops_new_draws(line):
    buy(line, 2_000_000)

    cl.credit_line_change_limit(credit_line=line, new_limit_kop=1_000_000, reason="risk review")

    line = fresh(line)
    assert line.principal_out_kop == 2_000_000
    assert line.available_kop == 0
    with pytest.raises(CreditLimitExceeded):
        buy(line, 1)
    pay(line, 1_500_000)
    buy(line, 500_000)


def test_a_limit_change_without_a_reason_is_refused(line):
    with pytest.raises(DomainError):
        cl.credit_line_change_limit(credit_line=line, new_limit_kop=100, reason=" ")

    assert fresh(line).limit_kop == LIMIT


# --- the book --------------------------------------------------------------------------------


def test_ledger_check_names_a_credit_line_whose_cache_differs(line):
    buy(line, 100_000)
    call_command("ledger_check")
    CreditLine.objects.filter(pk=line.pk).update(interest_out_kop=F("interest_out_kop") + 1)

    with pytest.raises(CommandError, match=rf"credit lines whose .*: {line.pk}$"):
        call_command("ledger_check")


def test_one_line_accrued_by_a_repayment_and_one_by_cob_agree(business_date):
    by_cob, by_payment = open_line(), open_line()
    buy(by_cob, 777_777)
    buy(by_payment, 777_777)
    open_day(START + DAY)
    pay(by_payment, 1)  # accrues the day in Python; pays interest, so principal is unchanged
    open_day(START + 4 * DAY)
    pay(by_payment, 1)

    run_cob_until(until=START + 4 * DAY)
    a, b = fresh(by_cob), fresh(by_payment)
    assert a.charges_total_kop == b.charges_total_kop == 4 * rounded_down(777_777 * RATE, 10**6)
    assert a.principal_out_kop == b.principal_out_kop


# --- admin -----------------------------------------------------------------------------------


def test_the_credit_line_admin_pages_render_read_only(admin_client, line):
    buy(line, 1_000_000)
    open_day(dt.date(2026, 12, 3))
    pay(line, 1_000)

    for name in ("creditline", "creditlinelimitchange"):
        assert admin_client.get(reverse(f"admin:cards_{name}_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:cards_creditline_change", args=[line.pk]))
    assert page.status_code == 200
    assert "10\u00a0000,00 ₽" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def test_a_limit_change_added_in_admin_goes_through_the_service(admin_client, line):
    answer = admin_client.post(
        reverse("admin:cards_creditlinelimitchange_add"),
        {"credit_line": line.pk, "new_limit_kop": 4_000_000, "reason": "reviewed"},
        follow=True,
    )

    assert answer.status_code == 200
    change = CreditLineLimitChange.objects.get()
    assert (change.old_limit_kop, change.new_limit_kop) == (LIMIT, 4_000_000)
    assert change.actor.username == "admin"
    assert fresh(line).limit_kop == 4_000_000


def test_a_limit_change_the_service_refuses_is_a_form_error_and_changes_nothing(admin_client, line):
    cl.credit_line_close(credit_line=line)

    answer = admin_client.post(
        reverse("admin:cards_creditlinelimitchange_add"),
        {"credit_line": line.pk, "new_limit_kop": 4_000_000, "reason": "reviewed"},
    )

    assert answer.status_code == 200
    assert "closed" in answer.content.decode()
    assert CreditLineLimitChange.objects.count() == 0
    assert fresh(line).limit_kop == LIMIT


def test_the_freeze_action_calls_the_service_and_reports_a_refusal(admin_client, line):
    url = reverse("admin:cards_creditline_changelist")
    body = {"action": "action_freeze", "_selected_action": [line.pk]}

    admin_client.post(url, body, follow=True)
    again = admin_client.post(url, body, follow=True)

    assert fresh(line).status == CreditLineStatus.FROZEN
    assert "cannot freeze" in again.content.decode()


# --- property: random sequences keep the book ------------------------------------------------


operations = st.one_of(
    st.tuples(st.just("draw"), st.integers(1, 1_500_000), st.booleans()),
    st.tuples(st.sampled_from(["succeed", "fail"]), st.integers(1, 1_500_000), st.booleans()),
    st.tuples(st.just("repay"), st.integers(1, 1_600_000), st.booleans()),
    st.tuples(st.just("days"), st.integers(1, 45), st.just(False)),
    st.tuples(st.just("limit"), st.integers(1, 4_000_000), st.just(False)),
)


def assert_book_holds(lines: list[CreditLine], *, drawn: int, repaid: int) -> None:
    card = [Account.CARD_PRINCIPAL, Account.CARD_INTEREST, Account.CARD_PENALTY]
    for entry_sum in JournalEntry.objects.annotate(s=Sum("lines__amount_kop")).values_list(
        "s", flat=True
    ):
        assert entry_sum == 0
    assert credit_lines_out_of_balance() == []
    for row in CreditLineDraw.objects.all():
        assert 0 <= row.charges_kop <= row.charges_cap_kop
        assert row.charges_kop <= row.amount_kop  # 1.0 × principal from 2026-04-01
        assert 0 <= row.principal_out_kop <= row.amount_kop
    receivable = (
        JournalLine.objects.filter(account__in=card).aggregate(s=Sum("amount_kop"))["s"] or 0
    )
    income = -(
        JournalLine.objects.filter(
            account__in=[Account.INTEREST_INCOME, Account.PENALTY_INCOME]
        ).aggregate(s=Sum("amount_kop"))["s"]
        or 0
    )
    # No kopeck created: what is owed is what was drawn plus charges less what was paid.
    assert receivable == drawn + income - repaid
    debt = sum(fresh(line).debt_kop for line in lines)
    assert debt == receivable
    for line in lines:
        statements = list(line.statements.order_by("period_end"))
        for earlier, later in itertools.pairwise(statements):
            assert later.opening_balance_kop == earlier.closing_balance_kop
            assert later.period_start == earlier.period_end + DAY
        for statement in statements:
            assert 0 <= statement.minimum_payment_kop <= statement.closing_balance_kop
            assert statement.closing_balance_kop == (
                statement.opening_balance_kop
                + statement.draws_kop
                + statement.interest_kop
                + statement.penalty_kop
                - statement.payments_kop
            )
            assert statement.closing_penalty_kop >= 0
        line = fresh(line)
        penalties = JournalLine.objects.filter(credit_line_id=line.pk, account=Account.CARD_PENALTY)
        assert line.penalty_out_kop == (penalties.aggregate(s=Sum("amount_kop"))["s"] or 0) >= 0
        # A penalty is charged only on arrears, and a line never in arrears owes none.
        if not line.statements.filter(status=StatementStatus.MISSED).exists():
            assert not penalties.exists()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=3, max_size=14))
# A missed minimum (22 December) and the penalty on it for three weeks, then a repayment.
@example(ops=[("draw", 1_000_000, False), ("days", 45, False), ("days", 30, False)])
@example(ops=[("draw", 900_000, True), ("days", 45, False), ("repay", 60_000, True)] * 2)
def test_random_draws_transfers_repayments_and_days_keep_the_book(db, ops):
    SandboxGateway.reset()  # ids come back after a rollback, and so would gateway keys
    with rolled_back():
        set_business_date(on=START)
        lines = [open_line(limit_kop=1_000_000), open_line(limit_kop=2_000_000)]
        drawn = repaid = 0
        for name, amount, second in ops:
            line = fresh(lines[int(second)])
            before = book_state()
            try:
                if name == "draw":
                    buy(line, amount)
                    drawn += amount
                elif name in ("succeed", "fail"):
                    send(transfer(line, amount), name)
                    drawn += amount if name == "succeed" else 0
                elif name == "repay":
                    pay(line, amount)
                    repaid += amount
                elif name == "limit":
                    cl.credit_line_change_limit(
                        credit_line=line, new_limit_kop=amount, reason="property"
                    )
                else:
                    open_day(current_business_date() + amount * DAY)
            except DomainError:
                assert book_state() == before, f"{name} was refused but changed the book"
            assert_book_holds(lines, drawn=drawn, repaid=repaid)
            assert in_transit() == 0


def test_a_statement_asking_for_a_payment_sends_an_sms_the_next_day_at_noon(line):
    buy(line, 1_000_000)
    open_day(dt.date(2026, 12, 3))  # COB closed 2 December: statement day

    (notice,) = BorrowerMessage.objects.filter(kind="card_statement")
    statement = CreditLineStatement.objects.get()
    assert notice.phone == line.borrower.phone and notice.status == MessageStatus.QUEUED
    assert notice.send_after == dt.datetime(2026, 12, 3, 12, 0, tzinfo=MOSCOW)
    assert "минимальный платёж" in notice.body and "до 22.12.2026" in notice.body
    assert format_rub(statement.minimum_payment_kop) in notice.body

    with mock.patch("loans.messaging.timezone.now", return_value=notice.send_after - HOUR):
        assert messaging.deliver_queued()["sent"] == 0
    with mock.patch("loans.messaging.timezone.now", return_value=notice.send_after):
        assert messaging.deliver_queued()["sent"] == 1


def test_a_statement_with_nothing_owed_sends_nothing(line):
    open_day(dt.date(2026, 12, 3))

    assert CreditLineStatement.objects.get().minimum_payment_kop == 0
    assert not BorrowerMessage.objects.filter(kind="card_statement").exists()


def test_an_unpaid_minimum_is_reminded_two_days_before_it_falls_due(line):
    buy(line, 1_000_000)
    open_day(dt.date(2026, 12, 20))  # COB closed 19 December; the minimum is due 22 December

    (reminder,) = BorrowerMessage.objects.filter(kind="card_payment_due")
    minimum = CreditLineStatement.objects.get().minimum_payment_kop
    assert reminder.send_after == dt.datetime(2026, 12, 20, 12, 0, tzinfo=MOSCOW)
    assert "до 22.12.2026" in reminder.body and format_rub(minimum) in reminder.body


def test_a_minimum_already_paid_is_not_reminded(line):
    buy(line, 1_000_000)
    open_day(dt.date(2026, 12, 3))
    pay(line, CreditLineStatement.objects.get().minimum_payment_kop)
    open_day(dt.date(2026, 12, 20))

    assert not BorrowerMessage.objects.filter(kind="card_payment_due").exists()


# --- money received from the provider --------------------------------------------------------


def _received(line: CreditLine, amount_kop: int, event_id: str = "evt-1"):
    return cl.credit_line_payment_received(
        credit_line=line, amount_kop=amount_kop, provider="sbx", event_id=event_id
    )


def test_money_received_within_the_debt_is_an_ordinary_repayment(line):
    buy(line, 100_000)

    payment = _received(line, 40_000)

    assert payment.amount_kop == 40_000
    assert account_balance(account=Account.CARD_REFUND_DUE) == 0
    assert_cached_equals_ledger(line)


def test_money_received_above_the_debt_repays_it_and_owes_the_rest_back(line):
    buy(line, 100_000)

    payment = _received(line, 100_300)

    assert payment.amount_kop == 100_000
    assert fresh(line).debt_kop == 0
    assert account_balance(account=Account.CARD_REFUND_DUE) == -300
    call_command("ledger_check")


def test_the_same_money_received_twice_is_counted_once(line):
    buy(line, 100_000)
    _received(line, 100_300)
    before = book_state()

    again = _received(line, 100_300)

    assert again.amount_kop == 100_000
    assert book_state() == before


def test_a_refund_returns_what_is_owed_back_and_leaves_nothing_owed(line):
    buy(line, 100_000)
    _received(line, 100_300)

    refunded = cl.credit_line_refund(credit_line=line)

    assert refunded == 300
    assert cl.credit_line_refund_owed_kop(credit_line=line) == 0
    call_command("ledger_check")


def test_a_refund_with_nothing_owed_is_refused_and_changes_nothing(line):
    buy(line, 100_000)
    before = book_state()

    with pytest.raises(InvalidAmount, match="Nothing is owed back"):
        cl.credit_line_refund(credit_line=line)

    assert book_state() == before


def test_the_refund_action_refunds_and_reports_a_card_owing_nothing(admin_client, line):
    buy(line, 100_000)
    _received(line, 100_300)
    url = reverse("admin:cards_creditline_changelist")
    body = {"action": "action_refund", "_selected_action": [line.pk]}

    admin_client.post(url, body, follow=True)
    again = admin_client.post(url, body, follow=True)

    assert cl.credit_line_refund_owed_kop(credit_line=line) == 0
    assert JournalEntry.objects.filter(kind="card_refund").count() == 1
    assert "cannot refund" in again.content.decode()
