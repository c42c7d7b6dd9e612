"""The terms a contract document states, as one canonical, JSON-ready dict.

Before signing they are the offer's: the loan's approved principal, term and its own daily
rate (`loan.daily_rate_ppm`, a personal rate when one was agreed), the schedule and ПСК a
contract signed today gets. After signing they are read back from the frozen loan (its rate,
penalty, ПСК, cap and the signed schedule, version 1), so the offer shown and the contract that
runs can be compared field by field.
"""

from datetime import date

from django.utils.translation import gettext as _

from loans.business_date import current_business_date
from loans.errors import TransitionNotAllowed
from loans.models import LenderDetails, Loan, LoanStatus, ScheduleItem
from loans.models.products import PenaltyMode
from loans.psk import psk_for_schedule
from loans.regulation import limits_for_contract, penalty_rate
from loans.schedules import Installment

SIGNED_SCHEDULE_VERSION = 1


class ContractUnavailable(TransitionNotAllowed):
    """There is no contract to show: the loan was never approved, or was refused or cancelled."""

    code = "contract_unavailable"


def credit_uid(loan: Loan) -> str:
    """The contract's unique identifier (УИд, 218-FZ art. 4), once the loan carries one."""
    return str(getattr(loan, "credit_uid", "") or "")


def lender_terms() -> dict:
    lender = LenderDetails.current()
    return {
        field: getattr(lender, field)
        for field in (
            "full_name",
            "short_name",
            "ogrn",
            "inn",
            "kpp",
            "registry_number",
            "address",
            "bank_details",
            "phone",
            "email",
            "website",
            "signatory",
        )
    }


def borrower_terms(loan: Loan) -> dict:
    borrower = loan.borrower
    return {
        "full_name": borrower.full_name,
        "birth_date": borrower.birth_date.isoformat(),
        "passport": f"{borrower.passport_series} {borrower.passport_number}",
        "phone": borrower.phone,
        "email": borrower.email,
    }


def contract_terms(*, loan: Loan) -> dict:
    """The terms of the offer (approved, unsigned) or of the signed contract."""
    if loan.signed_at is not None:
        return _signed_terms(loan)
    if loan.status != LoanStatus.APPROVED:
        raise ContractUnavailable(
            _("There is no contract: application #%(pk)s is not approved (status: %(status)s).")
            % {"pk": loan.pk, "status": loan.status}
        )
    return _offer_terms(loan, on=current_business_date())


def _offer_terms(loan: Loan, *, on: date) -> dict:
    from loans import services as loan_services

    product = loan.product
    rate = loan.daily_rate_ppm or product.daily_rate_ppm
    items = loan_services.build_schedule(
        product=product,
        principal_kop=loan.principal_kop,
        term_days=loan.term_days,
        issue_date=on,
        daily_rate_ppm=rate,
        first_period_days=loan.first_period_days,
    )
    fee = product.signing_fee_kop
    psk = psk_for_schedule(
        issue_date=on, principal_kop=loan.principal_kop, items=items, signing_fee_kop=fee
    )
    limits = limits_for_contract(signed_on=on, category=product.kind)
    penalty_num, penalty_den = penalty_rate(limits=limits, mode=product.penalty_mode)
    return _terms(
        loan,
        signed_on=on,
        daily_rate_ppm=rate,
        period_days=product.period_days,
        penalty_mode=product.penalty_mode,
        penalty_rate=(penalty_num, penalty_den),
        signing_fee_kop=fee,
        items=items,
        psk_percent=str(psk.percent),
        psk_kop=psk.amount_kop,
        charges_cap_kop=limits.charges_cap_kop(loan.principal_kop),
        charges_cap_multiplier=str(limits.charges_cap_multiplier),
    )


def _signed_terms(loan: Loan) -> dict:
    items = [
        Installment(row.seq, row.due_date, row.principal_kop, row.interest_kop)
        for row in ScheduleItem.objects.filter(loan=loan, version=SIGNED_SCHEDULE_VERSION).order_by(
            "seq"
        )
    ]
    return _terms(
        loan,
        signed_on=loan.signed_on,
        daily_rate_ppm=loan.daily_rate_ppm,
        period_days=loan.period_days,
        penalty_mode=loan.penalty_mode,
        penalty_rate=(loan.penalty_rate_num, loan.penalty_rate_den),
        signing_fee_kop=loan.signing_fee_kop,
        items=items,
        psk_percent=str(loan.psk_percent),
        psk_kop=loan.psk_kop,
        charges_cap_kop=loan.charges_cap_kop,
        charges_cap_multiplier=str(loan.limits_snapshot.get("charges_cap_multiplier", "")),
    )


def _terms(
    loan: Loan,
    *,
    signed_on: date,
    daily_rate_ppm: int,
    period_days: int | None,
    penalty_mode: str,
    penalty_rate: tuple[int, int],
    signing_fee_kop: int,
    items: list[Installment],
    psk_percent: str,
    psk_kop: int,
    charges_cap_kop: int,
    charges_cap_multiplier: str,
) -> dict:
    product = loan.product
    return {
        "contract_number": f"{loan.pk:08d}",
        "credit_uid": credit_uid(loan),
        "signed_on": signed_on.isoformat(),
        "lender": lender_terms(),
        "borrower": borrower_terms(loan),
        "product": {"code": product.code, "name": product.name, "kind": product.kind},
        "principal_kop": loan.principal_kop,
        "term_days": loan.term_days,
        "daily_rate_ppm": daily_rate_ppm,
        "period_days": period_days,
        "penalty_mode": penalty_mode,
        "penalty_interest_stops": penalty_mode == PenaltyMode.DAILY_WITHOUT_INTEREST,
        "penalty_rate_num": penalty_rate[0],
        "penalty_rate_den": penalty_rate[1],
        "maturity_date": items[-1].due_date.isoformat(),
        "schedule": [
            {
                "seq": item.seq,
                "due_date": item.due_date.isoformat(),
                "principal_kop": item.principal_kop,
                "interest_kop": item.interest_kop,
                "total_kop": item.total_kop,
            }
            for item in items
        ],
        "interest_total_kop": sum(item.interest_kop for item in items),
        "signing_fee_kop": signing_fee_kop,
        "payout_kop": loan.principal_kop - signing_fee_kop,
        "total_kop": sum(item.total_kop for item in items),
        "psk_percent": psk_percent,
        "psk_kop": psk_kop,
        "charges_cap_kop": charges_cap_kop,
        "charges_cap_multiplier": charges_cap_multiplier,
        "max_prolongations": loan.max_prolongations
        if loan.signed_at is not None
        else product.max_prolongations,
    }
