"""Load demo data: products, the four staff accounts and a synthetic book with history."""

import time

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from demo import accounts, live, portfolio, products
from demo.simulator import Report
from kernel.errors import DomainError

MAX_BORROWERS = 100_000


class Command(BaseCommand):
    help = (
        "Load demo data: the products pdl30, pdl30plus (repeat borrowers only) and il168; the "
        "staff accounts admin (superuser), risk, underwriter and collector, each in its group; "
        "and a synthetic portfolio: --days of history (default 200) up to today, walked a "
        "business day at a time through the loan services and close-of-business. "
        "The password is --password, else the one in .demo-password, else a new random one "
        "(accounts that already exist keep theirs unless --password is given); it is "
        "printed and saved to .demo-password (see `manage.py demo_accounts`). "
        "Idempotent: products and accounts are never duplicated, and the portfolio is only "
        "generated into an empty book, so a second run adds no borrowers or loans (use it with "
        "--password to reset the demo password). With --once nothing at all happens when demo "
        "data already exists. Once the history is written, a django-q2 schedule keeps "
        "applicants arriving while the cluster runs (demo.live.arrivals), so the review queue "
        "stays fresh."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--borrowers",
            type=int,
            default=700,
            help=(
                "synthetic borrowers (default 700: about 1,700 applications, enough history "
                "for a stable scoring holdout)"
            ),
        )
        parser.add_argument("--password", help="password for all four demo accounts")
        parser.add_argument(
            "--once", action="store_true", help="do nothing if demo data already exists"
        )
        parser.add_argument("--days", type=int, default=200, help="days of history (30–730)")
        parser.add_argument("--seed", type=int, default=20_261_128, help="random seed")

    def handle(self, *args, borrowers, password, once, days, seed, **options):
        if not 1 <= borrowers <= MAX_BORROWERS:
            raise CommandError(f"--borrowers must be between 1 and {MAX_BORROWERS}")
        if not 30 <= days <= 730:
            raise CommandError("--days must be between 30 and 730")
        if password is not None:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError("--password: " + " ".join(exc.messages)) from exc
        if once and portfolio.demo_data_exists():
            self.stdout.write("Demo data already present: nothing to do (--once).")
            return

        created = products.ensure_products()
        self.stdout.write(
            f"Products: created {', '.join(created)}" if created else "Products: already there"
        )
        if password is None:
            password = self._saved_password_if_accounts_missing()
        password_set, made = accounts.ensure_accounts(password=password)
        users = ", ".join(u.username for u in accounts.DEMO_USERS)
        if password_set:
            path = accounts.save_password(password_set)
            self.stdout.write(f"Accounts {users}: password {password_set} (saved to {path})")
        else:
            self.stdout.write(
                f"Accounts {users}: already there, passwords unchanged "
                "(manage.py demo_accounts shows the saved one; reset with --password)"
            )
        if made:
            self.stdout.write(f"  created: {', '.join(made)}")

        try:
            portfolio.check_book_is_empty(days=days)
        except portfolio.PortfolioNotEmpty as exc:
            self.stdout.write(f"Portfolio: skipped, {exc.message}.")
            return
        started = time.perf_counter()
        self.stdout.write(f"Generating {days} days of history for {borrowers} borrowers…")
        try:
            report = portfolio.generate_portfolio(
                borrowers=borrowers, days=days, seed=seed, log=self.stdout.write
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self._summary(report, time.perf_counter() - started)
        live.ensure_schedule()
        self.stdout.write(
            f"Schedule {live.SCHEDULE}: an applicant arrives every two minutes while fewer "
            f"than {live.FRESH_TASKS} review tasks are within their deadline"
        )

    @staticmethod
    def _saved_password_if_accounts_missing() -> str | None:
        """Reuse the saved password (a fresh database after `make clean`), else generate one."""
        saved = accounts.read_saved_password()
        if saved is None:
            return None
        try:
            validate_password(saved)
        except ValidationError:
            return None
        return saved if not portfolio.demo_data_exists() else None

    def _summary(self, report: Report, seconds: float) -> None:
        total = sum(report.statuses.values())
        self.stdout.write(
            f"History {report.start} … {report.end}: {report.borrowers} borrowers, "
            f"{report.applications} applications ({report.repeat_applications} from repeat "
            f"borrowers), {report.signed} contracts signed ({report.signed_repeat} with repeat "
            f"borrowers), in {seconds:.1f} s"
        )
        self.stdout.write(
            f"  payouts failed {report.failed_payouts}, timed out then settled "
            f"{report.pending_payouts}; prolongations {report.prolongations}, restructurings "
            f"{report.restructurings}, write-offs {report.write_offs}, overpayments refunded "
            f"{report.refunds}; virtual cards {report.cards} with {report.card_draws} draws"
        )
        self.stdout.write(
            f"  collection: {report.contacts} contacts, {report.promises} promises to pay, "
            f"{report.legal} handed over to legal; {report.survey_answers} surveys answered"
        )
        self.stdout.write(f"Loans per status ({total}):")
        for status, count in report.statuses.items():
            self.stdout.write(f"  {status:<12} {count:>6}")
