"""The demo's products: a payday loan, its cheaper twin for repeat borrowers, an instalment loan."""

from loans.models import Product, ProductKind
from loans.models.products import PenaltyMode

PRODUCTS = (
    {
        "code": "pdl30",
        "name": "До зарплаты",
        "kind": ProductKind.PDL,
        "min_amount_kop": 100_000,
        "max_amount_kop": 3_000_000,
        "min_term_days": 5,
        "max_term_days": 30,
        "daily_rate_ppm": 8000,
        "penalty_mode": PenaltyMode.ANNUAL_WITH_INTEREST,
        "max_prolongations": 3,
    },
    {
        "code": "pdl30plus",
        "name": "До зарплаты — постоянным клиентам",
        "kind": ProductKind.PDL,
        "min_amount_kop": 300_000,
        "max_amount_kop": 3_000_000,
        "min_term_days": 5,
        "max_term_days": 30,
        "daily_rate_ppm": 5000,
        "penalty_mode": PenaltyMode.ANNUAL_WITH_INTEREST,
        "max_prolongations": 3,
        "repeat_only": True,
    },
    {
        # 0.35 %/day every 14 days: ПСК ≈ 127.75 %, charges over 168 days ≈ 0.32 × principal.
        "code": "il168",
        "name": "Рассрочка",
        "kind": ProductKind.IL,
        "min_amount_kop": 1_000_000,
        "max_amount_kop": 10_000_000,
        "min_term_days": 56,
        "max_term_days": 168,
        "daily_rate_ppm": 3500,
        "period_days": 14,
        "penalty_mode": PenaltyMode.ANNUAL_WITH_INTEREST,
        "max_prolongations": 0,
    },
)


def ensure_products() -> list[str]:
    """Create the demo products that are missing; staff edits to existing ones are kept."""
    created = []
    for spec in PRODUCTS:
        data = dict(spec)
        _, made = Product.objects.get_or_create(code=data.pop("code"), defaults=data)
        if made:
            created.append(spec["code"])
    return created


def product_codes() -> list[str]:
    return [spec["code"] for spec in PRODUCTS]
