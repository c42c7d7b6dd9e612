"""Staff see the last reconciliation with the provider and its differences, and change
nothing."""

import pytest
from django.urls import reverse

from zaymer.models import DifferenceKind, MovementKind, Reconciliation, ReconciliationDifference


@pytest.fixture
def run(db):
    run = Reconciliation.objects.create(
        provider="sandbox",
        business_date="2026-12-03",
        file_name="statement.csv",
        file_sha256="0" * 64,
        rows=2,
        matched=1,
        differences=1,
        counts={"amount": 1},
        provider_net_kop=10_000,
        booked_net_kop=10_001,
    )
    ReconciliationDifference.objects.create(
        reconciliation=run,
        kind=DifferenceKind.AMOUNT,
        movement=MovementKind.PAYMENT,
        line=3,
        event_id="evt-b",
        provider_amount_kop=10_000,
        booked_amount_kop=10_001,
        provider_currency="RUB",
    )
    return run


def test_staff_see_the_reconciliation_with_its_differences(admin_client, run):
    listing = admin_client.get(reverse("admin:zaymer_reconciliation_changelist"))
    page = admin_client.get(reverse("admin:zaymer_reconciliation_change", args=[run.pk]))

    assert listing.status_code == page.status_code == 200
    assert "evt-b" in page.content.decode()


def test_staff_cannot_add_or_change_a_reconciliation(admin_client, run):
    add = admin_client.get(reverse("admin:zaymer_reconciliation_add"))
    change = admin_client.post(
        reverse("admin:zaymer_reconciliation_change", args=[run.pk]), {"rows": 0}
    )

    assert (add.status_code, change.status_code) == (403, 403)
    run.refresh_from_db()
    assert run.rows == 2
