"""Demo data: products, one staff account per role, and a synthetic book with a believable past.

`generate_portfolio` sets the business date ~200 days back and walks forward a day at a time.
Each day some borrowers apply; the robot's decision is simulated (score, then approve, refer
to an underwriter or decline); signed offers are paid out through the sandbox gateway (a few
payouts fail); repayments follow a default process whose probability depends on the
borrower's features (age, income, employment, region, earlier loans, amount against income)
plus noise the features do not see, so a model trained on this history scores a plausible,
never perfect, AUC. Close-of-business runs after every day, so accrual and overdue are real.
Every write to a loan goes through `loans.services`; the run is deterministic for a seed.

While the history is generated, `django.utils.timezone.now` answers with the simulated moment,
so every timestamp (applications, transitions, history rows, payments, COB runs) falls on the
day it happened rather than on the day the demo was loaded.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from demo.accounts import DEMO_USERS
from demo.products import product_codes
from demo.simulator import PortfolioSimulator, Report, SimulatedClock
from kernel import dispatch
from kernel.errors import DomainError
from loans import tasks
from loans.gateway import SandboxGateway
from loans.models import CobRun, Loan, Product, Region


def demo_data_exists() -> bool:
    names = [user.username for user in DEMO_USERS]
    return Loan.objects.exists() or get_user_model().objects.filter(username__in=names).exists()


@contextmanager
def _simulated_time(clock: SimulatedClock) -> Iterator[None]:
    real_now = timezone.now
    timezone.now = clock.now
    try:
        yield
    finally:
        timezone.now = real_now


@contextmanager
def _payouts_in_process() -> Iterator[None]:
    """No worker runs while the demo loads: send payouts in-process instead of queueing them."""
    SandboxGateway.reset()
    task_log = logging.getLogger(tasks.__name__)
    level = task_log.level
    task_log.setLevel(logging.ERROR)  # timed-out payouts are expected here, and counted
    try:
        with dispatch.in_process("loans.tasks.send_payout"):
            yield
    finally:
        task_log.setLevel(level)
        SandboxGateway.reset()


class PortfolioNotEmpty(DomainError):
    code = "demo_book_not_empty"


def check_book_is_empty(*, days: int) -> None:
    """Raise PortfolioNotEmpty unless `days` of history can be written behind today."""
    if Loan.objects.exists():
        raise PortfolioNotEmpty(
            f"the book already has {Loan.objects.count()} loans; demo history is generated "
            "only into an empty book"
        )
    start = timezone.localdate() - timedelta(days=days)
    last_closed = CobRun.objects.order_by("-business_date").first()
    if last_closed and last_closed.business_date >= start:
        raise PortfolioNotEmpty(
            f"business days up to {last_closed.business_date} are already closed; demo "
            f"history would start on {start}"
        )


def generate_portfolio(
    *,
    borrowers: int,
    days: int = 200,
    seed: int = 20_261_128,
    log: Callable[[str], None] | None = None,
) -> Report:
    """Walk `days` business days up to today, creating `borrowers` synthetic borrowers' history.

    Only into an empty book: the business date can only move forward, so history cannot be
    written behind loans or closed days that already exist.
    """
    check_book_is_empty(days=days)
    today = timezone.localdate()
    missing = set(product_codes()) - set(
        Product.objects.filter(code__in=product_codes()).values_list("code", flat=True)
    )
    if missing:
        raise DomainError(f"demo products missing: {', '.join(sorted(missing))}")
    if not Region.objects.exists():
        raise DomainError("no regions: run the migrations first")
    names = [user.username for user in DEMO_USERS]
    staff = get_user_model().objects.filter(username__in=names).count()
    if staff < len(names):
        # The demo's underwriter decides the referred applications, its collector the cases.
        raise DomainError(f"demo accounts missing: {', '.join(names)} (seed_demo makes them)")
    simulator = PortfolioSimulator(
        borrowers=borrowers,
        days=days,
        seed=seed,
        today=today,
        real_now=timezone.now(),
        log=log,
    )
    # All or nothing: a run that fails halfway leaves the book empty, ready for another try.
    with transaction.atomic(), _payouts_in_process(), _simulated_time(simulator.clock):
        report = simulator.run()
    return report
