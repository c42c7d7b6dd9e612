import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from feedback import selectors
from feedback.models import Repayment, Survey
from tests.factories import BorrowerFactory, IlProductFactory, PdlProductFactory, applied_loan

NOV = timezone.make_aware(dt.datetime(2026, 11, 10, 12))
DEC = timezone.make_aware(dt.datetime(2026, 12, 3, 12))

# (nps, csat, month, product, repeat, repayment, text)
ANSWERS = [
    (10, 5, NOV, "pdl", True, Repayment.ON_TIME, "Всё быстро"),
    (10, 4, NOV, "pdl", True, Repayment.ON_TIME, ""),
    (9, 4, NOV, "pdl", False, Repayment.ON_TIME, ""),
    (8, 3, NOV, "il", True, Repayment.LATE, ""),
    (7, 5, DEC, "il", True, Repayment.ON_TIME, "Slow payout to the card"),
    (6, 1, DEC, "pdl", False, Repayment.AFTER_COLLECTION, "Звонили ночью"),
    (2, 2, DEC, "pdl", False, Repayment.AFTER_COLLECTION, "payout was SLOW"),
    (9, 4, DEC, "il", True, Repayment.ON_TIME, ""),
]


@pytest.fixture
def answers(db):
    products = {"pdl": PdlProductFactory(), "il": IlProductFactory()}
    for nps, csat, at, product, repeat, repayment, text in ANSWERS:
        borrower = BorrowerFactory()
        amount = products[product].min_amount_kop
        term = products[product].min_term_days
        loan = applied_loan(
            borrower=borrower, product=products[product], amount_kop=amount, term_days=term
        )
        Survey.objects.create(
            loan=loan,
            borrower=borrower,
            product=products[product],
            repeat=repeat,
            repayment=repayment,
            offered_on=at.date(),
            answered_at=at,
            nps=nps,
            csat=csat,
            stage="servicing",
            text=text,
        )
    # offered, never answered: counts nowhere
    loan = applied_loan()
    Survey.objects.create(
        loan=loan,
        borrower=loan.borrower,
        product=loan.product,
        repeat=False,
        repayment=Repayment.ON_TIME,
        offered_on=NOV.date(),
    )


def _figures(rows):
    return {row.key: (row.answers, row.nps, row.csat) for row in rows}


def test_nps_and_csat_of_all_answers(answers):
    # promoters 4 (10, 10, 9, 9), detractors 2 (6, 2) of 8; CSAT 4–5: 5 of 8
    total = selectors.satisfaction_total()
    assert (total.answers, total.promoters, total.detractors, total.satisfied) == (8, 4, 2, 5)
    assert total.nps == Decimal("25.0")
    assert total.csat == Decimal("62.5")


def test_by_month(answers):
    # November: 4 answers, promoters 3, detractors 0 → 75; CSAT 3 of 4.
    # December: 4 answers, promoters 1, detractors 2 → −25; CSAT 2 of 4.
    assert _figures(selectors.satisfaction_by(dimension="month")) == {
        "2026-11": (4, Decimal("75.0"), Decimal("75.0")),
        "2026-12": (4, Decimal("-25.0"), Decimal("50.0")),
    }


def test_by_product_segment_and_repayment(answers):
    assert _figures(selectors.satisfaction_by(dimension="product")) == {
        # il: 8, 7, 9 → 1 promoter of 3; CSAT 5, 4 of 3
        "il168": (3, Decimal("33.3"), Decimal("66.7")),
        # pdl: 10, 10, 9, 6, 2 → 3 − 2 of 5; CSAT 5, 4, 4 of 5
        "pdl30": (5, Decimal("20.0"), Decimal("60.0")),
    }
    assert _figures(selectors.satisfaction_by(dimension="segment")) == {
        # new: 9, 6, 2 → 1 − 2 of 3; CSAT 4 of 3
        "new": (3, Decimal("-33.3"), Decimal("33.3")),
        # repeat: 10, 10, 8, 7, 9 → 3 of 5; CSAT 5, 4, 5, 4 of 5
        "repeat": (5, Decimal("60.0"), Decimal("80.0")),
    }
    assert _figures(selectors.satisfaction_by(dimension="repayment")) == {
        "after_collection": (2, Decimal("-100.0"), Decimal("0.0")),
        "late": (1, Decimal("0.0"), Decimal("0.0")),
        "on_time": (5, Decimal("80.0"), Decimal("100.0")),
    }


def test_a_period_narrows_the_answers(answers):
    december = selectors.satisfaction_total(since=DEC.date(), until=DEC.date())
    assert (december.answers, december.nps) == (4, Decimal("-25.0"))


def test_no_answers_give_no_figure(db):
    total = selectors.satisfaction_total()
    assert (total.answers, total.nps, total.csat) == (0, None, None)
    assert selectors.satisfaction_by(dimension="month") == []
    with pytest.raises(ValueError):
        selectors.satisfaction_by(dimension="colour")


def test_free_text_search(answers):
    found = selectors.answers_search(text="slow")
    assert sorted(s.text for s in found) == ["Slow payout to the card", "payout was SLOW"]
    assert [s.text for s in selectors.answers_search(text="ночью")] == ["Звонили ночью"]
