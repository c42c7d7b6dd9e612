"""What scoring's collection models say about a debtor, with rules while no champion exists.

Both kinds are trained from the book (scoring.precollection: due dates seen a few days before;
collection.learning: cases and their outcomes), and their inputs are looked up by name in the
facts below (the collection model's method besides). Their target is the bad outcome, as for
the application model: a late payment (pre-collection), a debt not recovered within 30 days
under the method chosen (collection).
"""

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collection.models import Strategy
from loans.models import Loan, LoanStatus, TransitionLog
from scoring import registry
from scoring.models import ModelKind, ModelVersion

if TYPE_CHECKING:
    from collection.debts import Debt

RULES = "rules"
# Strategy thresholds on the probability of recovery.
LIKELY_TO_PAY = 0.5
UNLIKELY_TO_PAY = 0.15
LEGAL_AFTER_DPD = 90
RESTRUCTURE_AFTER_DPD = 31
# What a method costs over a case's first 30 days, the risk team's estimates: messages, a
# collector's calls, drafting and agreeing a plan, the claim with its state fee and lawyer.
METHOD_COST_KOP = {
    Strategy.REMIND: 3_000,
    Strategy.NEGOTIATE: 40_000,
    Strategy.RESTRUCTURE: 80_000,
    Strategy.LEGAL: 600_000,
}
# The methods by a short name, for the reason a case keeps (the choices' labels are sentences).
METHOD_NAMES = {
    Strategy.REMIND: gettext_lazy("reminders"),
    Strategy.NEGOTIATE: gettext_lazy("calls"),
    Strategy.RESTRUCTURE: gettext_lazy("restructuring"),
    Strategy.LEGAL: gettext_lazy("legal collection"),
}
log = logging.getLogger(__name__)


def loan_facts(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    """The loans with the history facts both kinds of model and the rules read, in one query."""
    earlier_overdue = TransitionLog.objects.filter(
        loan__borrower_id=OuterRef("borrower_id"), transition="miss_due_date"
    ).exclude(loan_id=OuterRef("pk"))
    return loans.annotate(
        was_overdue_before=Exists(earlier_overdue),
        closed_loans=Count(
            "borrower__loans", filter=Q(borrower__loans__status=LoanStatus.CLOSED), distinct=True
        ),
    )


def _facts(loan: Loan) -> dict[str, float]:
    return {
        "days_past_due": loan.days_past_due,
        "debt_kop": loan.debt_kop,
        "principal_kop": loan.principal_kop or 0,
        "principal_out_kop": loan.principal_out_kop,
        "paid_debt_kop": loan.paid_debt_kop,
        "prolongations": loan.prolongations,
        "restructured": int(loan.restructured),
        "was_overdue_before": int(loan.was_overdue_before),
        "closed_loans": loan.closed_loans,
    }


def _predict(version: ModelVersion, rows: list[dict]) -> list[float]:
    model = registry.load_model(version)
    numeric = np.array(
        [[float(row.get(name, np.nan)) for name in model.numeric] for row in rows], dtype=float
    ).reshape(len(rows), len(model.numeric))
    categorical = np.array(
        [[row.get(name) for name in model.categorical] for row in rows], dtype=object
    ).reshape(len(rows), len(model.categorical))
    return [float(p) for p in model.predict_pd(numeric, categorical)]


def _label(version: ModelVersion) -> str:
    return f"{version.kind} v{version.version}"


# --- pre-collection -----------------------------------------------------------------------


def lateness_probabilities(loans: list[Loan]) -> tuple[list[float], str]:
    """Each loan's probability of paying late (loans from `loan_facts`), and the method."""
    if not loans:
        return [], RULES
    champion = registry.champion(ModelKind.PRE_COLLECTION)
    if champion is not None:
        return _predict(champion, [_facts(loan) for loan in loans]), _label(champion)
    return [_lateness_rule(loan) for loan in loans], RULES


def _lateness_rule(loan: Loan) -> float:
    """Late before → likely late again; a prolongation or a first loan adds to it."""
    probability = 0.1
    if loan.was_overdue_before:
        probability += 0.35
    if loan.prolongations:
        probability += 0.15
    if not loan.closed_loans:
        probability += 0.1
    return probability


# --- collection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StrategyChoice:
    strategy: str
    recovery_probability: float
    priority_kop: int
    reason: str


def allowed_methods(debt: "Loan | Debt") -> list[str]:
    """What the strategy may choose for this debt: a restructuring from RESTRUCTURE_AFTER_DPD
    days for a debt that can be restructured, legal collection after LEGAL_AFTER_DPD."""
    methods = [Strategy.REMIND, Strategy.NEGOTIATE]
    if debt.days_past_due >= RESTRUCTURE_AFTER_DPD and getattr(debt, "restructurable", True):
        methods.append(Strategy.RESTRUCTURE)
    if debt.days_past_due > LEGAL_AFTER_DPD:
        methods.append(Strategy.LEGAL)
    return methods


def choose_strategy(loan: "Loan | Debt") -> StrategyChoice:
    """Strategy and priority (expected recovery) for an overdue debt: a `Debt`, or a loan from
    `loan_facts`. With a collection champion, the method with the highest expected recovery
    net of its cost; without one (or with one that cannot run), the rules."""
    champion = registry.champion(ModelKind.COLLECTION)
    if champion is not None:
        try:
            return _best_method(champion, loan)
        except registry.ArtifactRefused:
            log.exception("collection champion %s refused; the rules choose", champion)
    return _rule_strategy(loan)


def _best_method(champion: ModelVersion, debt: "Loan | Debt") -> StrategyChoice:
    methods = allowed_methods(debt)
    facts = _facts(debt)
    unrecovered = _predict(champion, [facts | {"method": m} for m in methods])
    options = [
        (round((1 - p) * debt.debt_kop) - METHOD_COST_KOP[m], 1 - p, m)
        for m, p in zip(methods, unrecovered, strict=True)
    ]
    net, recovery, method = max(options, key=lambda option: option[0])
    return StrategyChoice(
        strategy=method,
        recovery_probability=recovery,
        priority_kop=round(recovery * debt.debt_kop),
        reason=_(
            "%(model)s: recovery %(recovery)s within 30 days, %(net)s ₽ expected net of "
            "cost, the best of %(methods)s"
        )
        % {
            "model": _label(champion),
            "recovery": f"{recovery:.0%}",
            "net": f"{net / 100:.0f}",
            "methods": ", ".join(str(METHOD_NAMES[m]) for m in methods),
        },
    )


def _rule_strategy(loan: "Loan | Debt") -> StrategyChoice:
    recovery = _recovery_rule(loan)
    dpd = loan.days_past_due
    if dpd > LEGAL_AFTER_DPD and recovery < UNLIKELY_TO_PAY:
        strategy = Strategy.LEGAL
        why = f"{dpd} days overdue and recovery {recovery:.0%} below {UNLIKELY_TO_PAY:.0%}"
    elif recovery >= LIKELY_TO_PAY:
        strategy = Strategy.REMIND
        why = f"recovery {recovery:.0%} at least {LIKELY_TO_PAY:.0%}"
    elif dpd >= RESTRUCTURE_AFTER_DPD and getattr(loan, "restructurable", True):
        strategy = Strategy.RESTRUCTURE
        why = f"{dpd} days overdue and recovery {recovery:.0%}: a plan it can pay"
    else:
        strategy = Strategy.NEGOTIATE
        why = f"recovery {recovery:.0%} below {LIKELY_TO_PAY:.0%}"
    return StrategyChoice(
        strategy=strategy,
        recovery_probability=recovery,
        priority_kop=round(recovery * loan.debt_kop),
        reason=f"{RULES}: {why}",
    )


def _recovery_rule(loan: Loan) -> float:
    """Recovery falls with days past due; a borrower who paid something or repaid loans
    before is likelier to pay again."""
    dpd = loan.days_past_due
    recovery = 0.6 if dpd <= 30 else 0.35 if dpd <= 60 else 0.2 if dpd <= 90 else 0.08
    if loan.paid_debt_kop > 0:
        recovery += 0.1
    if loan.closed_loans:
        recovery += 0.1
    if loan.was_overdue_before:
        recovery -= 0.05
    return round(min(max(recovery, 0.01), 0.95), 4)
