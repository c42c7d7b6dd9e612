"""The decision: hard rules, then the champion's PD against the segment's cut-offs, then the
largest amount that keeps expected loss and debt load within policy.

Pure functions of (snapshot, bureau attributes, cut-off, model): re-running them on a stored
ScoreResult gives the same answer. Without a champion, `rules_fallback` decides (see its docstring).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models import F, Q

from loans.models import Product
from loans.pdn import debt_load_percent
from scoring.bureau import ATTRIBUTE_PREFIX
from scoring.features import CATEGORICAL, label, new_loan_monthly_payment_kop
from scoring.inference import CompiledModel, points
from scoring.models import CutOff, Decision

TOP_REASONS = 3
DEFAULT_CUTOFFS = {
    # segment: approve below, refer below (decline at or above), max expected loss, LGD
    "new": (Decimal("0.10"), Decimal("0.25"), 400_000, Decimal("0.8")),
    "repeat": (Decimal("0.15"), Decimal("0.30"), 1_000_000, Decimal("0.8")),
}


@dataclass(frozen=True)
class Reason:
    code: str
    text: str

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text}


@dataclass
class Outcome:
    decision: str
    method: str
    pd: float | None = None
    points: int | None = None
    approved_amount_kop: int | None = None
    reasons: list[Reason] = field(default_factory=list)


# --- hard rules ---------------------------------------------------------------------------


def hard_rules(facts: dict) -> list[Reason]:
    """Every hard rule the application breaks; any one of them declines it."""
    failed = []
    age = facts["age_years"]
    if age < facts["min_age"]:
        failed.append(
            Reason("HR_AGE_MIN", f"Возраст {age} лет меньше минимального ({facts['min_age']})")
        )
    if age > facts["max_age"]:
        failed.append(
            Reason("HR_AGE_MAX", f"Возраст {age} лет больше предельного ({facts['max_age']})")
        )
    if facts["self_ban"]:
        bureaus = ", ".join(facts["self_ban_bureaus"])
        failed.append(Reason("HR_SELF_BAN", f"Самозапрет на займы по данным БКИ ({bureaus})"))
    failed.extend(_high_psk_rules(facts["high_psk"]))
    pdn = pdn_at(facts, facts["product"]["min_amount_kop"])
    if pdn is None or pdn > facts["pdn"]["max_percent"]:
        shown = "доход неизвестен" if pdn is None else f"{pdn:.2f} %"
        failed.append(
            Reason(
                "HR_PDN",
                f"ПДН даже при минимальной сумме ({shown}) выше лимита "
                f"{facts['pdn']['max_percent']:.0f} %",
            )
        )
    if facts["duplicate_identity"] or facts["identity_mismatch"]:
        failed.append(
            Reason("HR_DUPLICATE_IDENTITY", "Паспорт или телефон встречался под другим именем")
        )
    if facts["open_loans"] and not facts["allows_concurrent_loans"]:
        failed.append(
            Reason(
                "HR_OPEN_LOAN",
                f"Есть открытый займ ({facts['open_loans']}), продукт не допускает второй",
            )
        )
    return failed


def _high_psk_rules(high: dict) -> list[Reason]:
    threshold = high["threshold_percent"]
    if threshold is None or high["new_loan_psk_percent"] <= threshold:
        return []
    failed = []
    outstanding = max(high["outstanding_internal"], high["outstanding_bureau"])
    if high["max_loans"] is not None and outstanding >= high["max_loans"]:
        failed.append(
            Reason(
                "HR_HIGH_PSK_LIMIT",
                f"Уже {outstanding} займ(а) с ПСК выше {threshold:.0f} %, допустимо "
                f"{high['max_loans']} (545-ФЗ)",
            )
        )
    if high["repaid_in_cooling_off"]:
        failed.append(
            Reason(
                "HR_HIGH_PSK_COOLING_OFF",
                f"Не прошло {high['cooling_off_days']} дн. после погашения займа с ПСК выше "
                f"{threshold:.0f} % (545-ФЗ)",
            )
        )
    return failed


# --- amounts ------------------------------------------------------------------------------


def _product(facts: dict) -> Product:
    p = facts["product"]
    return Product(
        code=p["code"],
        kind=p["kind"],
        daily_rate_ppm=p["daily_rate_ppm"],
        period_days=p["period_days"],
    )


def pdn_at(facts: dict, amount_kop: int) -> float | None:
    """Debt load with the new loan at `amount_kop`; None when the income is unknown."""
    pdn = facts["pdn"]
    if pdn["income_kop"] <= 0:
        return None
    new = new_loan_monthly_payment_kop(
        product=_product(facts),
        amount_kop=amount_kop,
        term_days=facts["term_days"],
        on=date.fromisoformat(facts["as_of"]),
    )
    return float(
        debt_load_percent(
            monthly_payments_kop=[pdn["existing_payments_kop"], new],
            monthly_income_kop=pdn["income_kop"],
        )
    )


def amount_step_kop() -> int:
    return int(getattr(settings, "SCORING_AMOUNT_STEP_KOP", 100_000))


def largest_amount(facts: dict, *, pd: float | None, cutoff: dict) -> tuple[int, list[Reason]]:
    """The largest amount not above the request whose expected loss and ПДН fit the policy.

    Candidates are the request and every whole step below it down to the product minimum;
    both limits grow with the amount, so a binary search finds the boundary.
    """
    requested = facts["requested_amount_kop"]
    minimum = facts["product"]["min_amount_kop"]
    step = amount_step_kop()
    grid = [requested, *range((requested - 1) // step * step, minimum - 1, -step)]
    grid = [a for a in grid if a >= minimum]
    reasons = []
    if pd is not None:
        ceiling = cutoff["max_expected_loss_kop"] / max(pd * cutoff["lgd"], 1e-12)
        if ceiling < requested:
            reasons.append(
                Reason(
                    "AMOUNT_EXPECTED_LOSS",
                    f"Сумма снижена: ожидаемый убыток не выше "
                    f"{cutoff['max_expected_loss_kop'] / 100:,.0f} ₽".replace(",", " "),
                )
            )
        grid = [a for a in grid if a <= ceiling]
    limit = facts["pdn"]["max_percent"]
    lo, hi = 0, len(grid)  # grid is descending; find the first amount whose ПДН fits
    while lo < hi:
        mid = (lo + hi) // 2
        pdn = pdn_at(facts, grid[mid])
        if pdn is not None and pdn <= limit:
            hi = mid
        else:
            lo = mid + 1
    if lo > 0:
        reasons.append(Reason("AMOUNT_PDN", f"Сумма снижена: ПДН не выше {limit:.0f} %"))
    return (grid[lo] if lo < len(grid) else 0), reasons


# --- the model ----------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _input_plan(model: CompiledModel) -> tuple[list[tuple[int, str]], np.ndarray, np.ndarray]:
    """Where each model input comes from: a named feature, or a bureau attribute by index."""
    named, positions, indices = [], [], []
    for j, name in enumerate(model.numeric):
        if name.startswith(ATTRIBUTE_PREFIX):
            positions.append(j)
            indices.append(int(name.removeprefix(ATTRIBUTE_PREFIX)))
        else:
            named.append((j, name))
    return named, np.array(positions, dtype=np.intp), np.array(indices, dtype=np.intp)


def model_row(
    model: CompiledModel, snapshot: dict, attributes: np.ndarray
) -> tuple[np.ndarray, list]:
    """The model's inputs, in its order, from a snapshot (missing → NaN or None)."""
    features = snapshot["features"]
    named, positions, indices = _input_plan(model)
    numeric = np.full(len(model.numeric), np.nan)
    known = indices < len(attributes)
    numeric[positions[known]] = attributes[indices[known]]
    for j, name in named:
        value = features.get(name)
        if value is not None and name not in CATEGORICAL:
            numeric[j] = float(value)
    categorical = [features.get(name) for name in model.categorical]
    return numeric, categorical


def top_factors(model: CompiledModel, numeric: np.ndarray, categorical: list) -> list[Reason]:
    """The inputs that pushed the PD up most, against the average training applicant."""
    return [
        Reason(f"F_{c.feature}", f"{label(c.feature)}: {_shown(c.value)}")
        for c in model.top_contributions(numeric, categorical, count=TOP_REASONS)
    ]


def _shown(value) -> str:
    if value is None:
        return "нет данных"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def resolve_cutoff(*, segment: str, product_code: str) -> dict:
    # The product's own row sorts before the segment default (NULL product).
    row = (
        CutOff.objects.filter(segment=segment)
        .filter(Q(product__code=product_code) | Q(product__isnull=True))
        .order_by(F("product").asc(nulls_last=True))
        .first()
    )
    if row is None:
        approve, refer, max_el, lgd = DEFAULT_CUTOFFS[segment]
        return {
            "cutoff_id": None,
            "approve_below_pd": float(approve),
            "refer_below_pd": float(refer),
            "max_expected_loss_kop": max_el,
            "lgd": float(lgd),
        }
    return {
        "cutoff_id": row.pk,
        "approve_below_pd": float(row.approve_below_pd),
        "refer_below_pd": float(row.refer_below_pd),
        "max_expected_loss_kop": row.max_expected_loss_kop,
        "lgd": float(row.lgd),
    }


def pd_decision(pd: float, cutoff: dict) -> str:
    if pd < cutoff["approve_below_pd"]:
        return Decision.APPROVE
    if pd < cutoff["refer_below_pd"]:
        return Decision.REFER
    return Decision.DECLINE


def decide(
    snapshot: dict, *, attributes: np.ndarray, cutoff: dict, model: CompiledModel | None
) -> Outcome:
    facts = snapshot["facts"]
    failed = hard_rules(facts)
    if failed:
        return Outcome(Decision.DECLINE, method="hard_rules", reasons=failed)
    if model is None:
        return rules_fallback(snapshot, cutoff=cutoff)
    numeric, categorical = model_row(model, snapshot, attributes)
    pd = float(model.predict_pd(numeric[None, :], np.array([categorical], dtype=object))[0])
    decision = pd_decision(pd, cutoff)
    reasons = top_factors(model, numeric, categorical)
    amount = None
    if decision != Decision.DECLINE:
        amount, cuts = largest_amount(facts, pd=pd, cutoff=cutoff)
        reasons.extend(cuts)
        if amount == 0:
            decision = Decision.DECLINE
            reasons.append(Reason("AMOUNT_BELOW_MIN", "Допустимая сумма ниже минимальной"))
    return Outcome(
        decision, "model", pd=pd, points=points(pd), approved_amount_kop=amount, reasons=reasons
    )


def model_unavailable(facts: dict) -> Outcome:
    """The champion's artifact cannot be loaded (missing, or its SHA-256 differs): the hard
    rules still decline what they decline, everything else goes to an underwriter."""
    failed = hard_rules(facts)
    if failed:
        return Outcome(Decision.DECLINE, method="hard_rules", reasons=failed)
    return Outcome(
        Decision.REFER,
        method="unavailable",
        reasons=[
            Reason(
                "MODEL_UNAVAILABLE",
                "Модель скоринга недоступна: решение принимает андеррайтер",
            )
        ],
    )


FALLBACK_DECLINE_BUREAU_DPD = 90
FALLBACK_DECLINE_OWN_DPD = 60
FALLBACK_REFER_OWN_DPD = 30
FALLBACK_REFER_INQUIRIES_30D = 5


def rules_fallback(snapshot: dict, *, cutoff: dict) -> Outcome:
    """The decision before any model is champion: transparent rules, no PD.

    - decline: a bureau delinquency of 90+ days in 12 months, or 60+ days past due with us;
    - refer to an underwriter: a new borrower, any 30+ delinquency in the bureau in 24 months,
      30+ days past due with us, or 5+ bureau inquiries in 30 days;
    - approve: a repeat borrower with none of the above.
    The amount offered is the largest within the ПДН limit (there is no PD to bound the loss).
    """
    f, facts = snapshot["features"], snapshot["facts"]
    if f.get("bki_max_dpd_12m", 0) >= FALLBACK_DECLINE_BUREAU_DPD:
        return Outcome(
            Decision.DECLINE,
            "rules",
            reasons=[Reason("FB_BUREAU_DPD", "Просрочка 90+ дней за 12 месяцев (БКИ)")],
        )
    if f["max_dpd"] >= FALLBACK_DECLINE_OWN_DPD:
        return Outcome(
            Decision.DECLINE,
            "rules",
            reasons=[Reason("FB_OWN_DPD", f"Просрочка у нас {f['max_dpd']} дней")],
        )
    reasons = []
    if facts["segment"] == "new":
        reasons.append(Reason("FB_NEW", "Новый заёмщик: решение без модели принимает андеррайтер"))
    if f.get("bki_delinquencies_30_24m", 0) > 0:
        reasons.append(Reason("FB_BUREAU_30", "Просрочки 30+ дней за 24 месяца (БКИ)"))
    if f["max_dpd"] >= FALLBACK_REFER_OWN_DPD:
        reasons.append(Reason("FB_OWN_30", f"Просрочка у нас {f['max_dpd']} дней"))
    if f.get("bki_inquiries_30d", 0) >= FALLBACK_REFER_INQUIRIES_30D:
        reasons.append(Reason("FB_INQUIRIES", "Много запросов в БКИ за 30 дней"))
    decision = Decision.REFER if reasons else Decision.APPROVE
    amount, cuts = largest_amount(facts, pd=None, cutoff=cutoff)
    if amount == 0:
        return Outcome(
            Decision.DECLINE,
            "rules",
            reasons=[Reason("AMOUNT_BELOW_MIN", "Допустимая сумма ниже минимальной")],
        )
    return Outcome(decision, "rules", approved_amount_kop=amount, reasons=reasons + cuts)
