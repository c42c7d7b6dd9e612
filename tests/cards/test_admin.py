"""The card's admin pages: every card model has one, and they show what staff may see."""

from django.contrib import admin
from django.urls import reverse

from cards import services as card_services
from loans.admin.display import rub
from loans.models import PayoutMethod
from tests.factories import DEMO_BIK, BorrowerFactory, valid_account


def test_every_cards_model_has_an_admin():
    registered = {m.__name__ for m in admin.site._registry if m._meta.app_label == "cards"}
    assert registered >= {
        "CreditLine",
        "CreditLineTransfer",
        "CreditLineLimitChange",
        "CreditLineTransition",
    }


def test_a_card_transfer_shows_where_it_went_masked_and_what_the_gateway_said(
    admin_client, business_date
):
    line = card_services.credit_line_open(
        borrower=BorrowerFactory(), limit_kop=1_000_000, daily_rate_ppm=8_000
    )
    account = valid_account()
    card_services.credit_line_draw(
        credit_line=line,
        kind="transfer",
        amount_kop=250_000,
        idempotency_key="t-1",
        payout_reference="bank_account:1",
        payout_method=PayoutMethod.BANK_ACCOUNT,
        payout_destination={"account": account, "bik": DEMO_BIK},
    )

    page = admin_client.get(reverse("admin:cards_creditlinetransfer_changelist")).content.decode()

    assert f"account •••{account[-4:]}" in page
    assert account not in page
    assert rub(250_000) in page
