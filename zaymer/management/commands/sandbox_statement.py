"""The sandbox provider's settlement report for one business day, as CSV on stdout."""

import io
import re
from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from zaymer.sandbox import SANDBOX, sandbox_statement_rows, write_statement

_PROVIDER_RE = re.compile(r"[a-z0-9_-]{1,32}")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"a date as YYYY-MM-DD, not {value!r}") from exc


def _provider(value: str) -> str:
    if not _PROVIDER_RE.fullmatch(value):
        raise ArgumentTypeError(f"a provider name (a-z, 0-9, _ and -, up to 32), not {value!r}")
    return value


class Command(BaseCommand):
    help = (
        "Write the sandbox provider's settlement report for a business day to stdout: one CSV "
        "row per money movement it made (event_id, kind payment/payout/refund, amount_kop in "
        "whole kopecks, currency, date YYYY-MM-DD, our_reference). "
        "Example: manage.py sandbox_statement --on 2026-12-03 > statement.csv"
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", required=True, type=_date, help="YYYY-MM-DD")
        parser.add_argument("--provider", type=_provider, default=SANDBOX)

    def handle(self, *args, on: date, provider: str, **options):
        out = io.StringIO()
        count = write_statement(sandbox_statement_rows(on=on, provider=provider), out)
        self.stdout.write(out.getvalue(), ending="")
        self.stderr.write(
            _("%(provider)s, %(day)s: %(count)d movements")
            % {"provider": provider, "day": on.isoformat(), "count": count}
        )
