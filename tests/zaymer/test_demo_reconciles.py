"""The demo's history reconciles with the sandbox provider's own report, day by day."""

import io

from django.core.management import call_command

from demo.accounts import ensure_accounts
from demo.portfolio import generate_portfolio
from demo.products import ensure_products
from loans.models import JournalEntry
from zaymer.models import Reconciliation, SandboxMovement


def test_every_day_of_the_demo_history_reconciles_with_the_sandbox_report(db, tmp_path):
    ensure_products()
    ensure_accounts(password="demo-secret-4321")
    generate_portfolio(borrowers=30, days=60)
    days = sorted(set(JournalEntry.objects.values_list("business_date", flat=True)))

    for day in days:
        out = io.StringIO()
        call_command("sandbox_statement", on=day, stdout=out, stderr=io.StringIO())
        if out.getvalue().count("\n") > 1:
            path = tmp_path / f"{day}.csv"
            path.write_text(out.getvalue())
            call_command("reconcile_payments", statement=str(path), stdout=io.StringIO())

    assert SandboxMovement.objects.exists()
    assert Reconciliation.objects.count() > 10
    assert not Reconciliation.objects.exclude(differences=0).exists()
