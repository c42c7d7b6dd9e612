"""Credit bureaus behind one interface, and a deterministic sandbox bureau.

Every bureau is asked (the self-ban rule and 545-FZ require it); the first one configured in
`SCORING_BUREAUS` is the primary, whose wide attribute vector feeds the model.
"""

import hashlib
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from typing import Protocol

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from loans.models import Borrower

DEFAULT_WIDTH = 200
MAX_WIDTH = 10_000
ATTRIBUTE_PREFIX = "bki_attr_"


def attribute_name(index: int) -> str:
    return f"{ATTRIBUTE_PREFIX}{index:05d}"


@dataclass(frozen=True)
class BureauReport:
    bureau: str
    self_ban: bool
    open_loans: int
    open_high_psk_loans: int
    other_debt_kop: int
    other_monthly_payments_kop: int
    max_dpd_12m: int
    delinquencies_30_24m: int
    inquiries_7d: int
    inquiries_30d: int
    inquiries_90d: int
    history_months: int
    identity_mismatch: bool
    attributes: np.ndarray = field(repr=False)

    def summary(self) -> dict:
        """The named part of the report, as features."""
        return {
            "bki_open_loans": self.open_loans,
            "bki_open_high_psk_loans": self.open_high_psk_loans,
            "bki_other_debt_rub": self.other_debt_kop / 100,
            "bki_max_dpd_12m": self.max_dpd_12m,
            "bki_delinquencies_30_24m": self.delinquencies_30_24m,
            "bki_inquiries_7d": self.inquiries_7d,
            "bki_inquiries_30d": self.inquiries_30d,
            "bki_inquiries_90d": self.inquiries_90d,
            "bki_history_months": self.history_months,
        }


class CreditBureau(Protocol):
    name: str

    def report(self, *, borrower: Borrower, as_of: date, width: int) -> BureauReport: ...


class BureauUnavailable(Exception):
    """A bureau did not answer (down, timed out) or answered something unusable."""

    def __init__(self, bureau: str, reason: str):
        super().__init__(f"{bureau}: {reason}")
        self.bureau = bureau
        self.reason = reason


@cache
def _loadings(width: int) -> np.ndarray:
    # Fixed per attribute index, so attribute 17 means the same thing for every borrower.
    rng = np.random.default_rng(20_260_101)
    loadings = rng.normal(0.0, 1.0, size=MAX_WIDTH)
    loadings[rng.random(MAX_WIDTH) < 0.7] = 0.0  # most attributes are noise, as in life
    return loadings[:width].copy()


def _identity_seed(borrower: Borrower) -> int:
    identity = f"{borrower.passport_series}{borrower.passport_number}{borrower.birth_date}"
    return int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "big")


class SandboxBureau:
    """A believable, deterministic report: the same borrower always gets the same history.

    A latent risk drawn from the borrower's identity, nudged by profile (income, age,
    employment), drives every count and the wide attribute vector, so a model trained on the
    sandbox finds signal and noise in realistic proportions. `override` forces fields in tests
    and demos; `reset` clears the overrides.
    """

    name = "sandbox"
    _lock = threading.Lock()
    _overrides: dict[tuple[str, str], dict] = {}
    # Tests and drills make the sandbox fail as a real bureau does: "down" or "malformed".
    fault: str = ""

    @classmethod
    def override(cls, *, borrower: Borrower, **fields) -> None:
        with cls._lock:
            key = (borrower.passport_series, borrower.passport_number)
            cls._overrides[key] = {**cls._overrides.get(key, {}), **fields}

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls._overrides.clear()
            SandboxBureau.fault = ""

    @staticmethod
    def latent_risk(borrower: Borrower, *, as_of: date) -> float:
        rng = np.random.default_rng(_identity_seed(borrower))
        age = (as_of - borrower.birth_date).days / 365.25
        income_rub = (borrower.confirmed_income_kop or borrower.declared_income_kop) / 100
        profile = (
            -0.35 * np.log(max(income_rub, 5_000) / 50_000)
            + 0.02 * max(0.0, 35 - age)
            + {"unemployed": 0.6, "student": 0.3, "self_employed": 0.15}.get(
                borrower.employment, 0.0
            )
        )
        return float(rng.normal(0.0, 1.0) + profile)

    def report(
        self, *, borrower: Borrower, as_of: date, width: int = DEFAULT_WIDTH
    ) -> BureauReport:
        if not 0 <= width <= MAX_WIDTH:
            raise ValueError(f"A bureau vector has 0 to {MAX_WIDTH} attributes, not {width}")
        if SandboxBureau.fault == "down":
            raise TimeoutError(f"{self.name} did not answer in time")
        seed = _identity_seed(borrower)
        risk = self.latent_risk(borrower, as_of=as_of)
        rng = np.random.default_rng(seed + 1)
        bad = 1 / (1 + np.exp(-(risk - 1.0)))  # ≈ 0.27 for an average borrower
        open_loans = int(rng.poisson(0.6 + 2.0 * bad))
        inquiries_90d = int(rng.poisson(1.0 + 6.0 * bad))
        inquiries_30d = int(rng.binomial(inquiries_90d, 0.45))
        inquiries_7d = int(rng.binomial(inquiries_30d, 0.35))
        delinquencies = int(rng.poisson(2.5 * bad**2))
        max_dpd = int(rng.choice([0, 5, 15, 35, 65, 95])) if delinquencies else 0
        other_debt_kop = int(open_loans * rng.integers(300_000, 2_500_000))
        attributes = _loadings(width) * risk + rng.normal(0.0, 1.0, size=width)
        attributes[rng.random(width) < 0.05] = np.nan
        report = BureauReport(
            bureau=self.name,
            self_ban=bool(rng.random() < 0.01),
            open_loans=open_loans,
            open_high_psk_loans=int(rng.binomial(open_loans, 0.5)),
            other_debt_kop=other_debt_kop,
            other_monthly_payments_kop=other_debt_kop // 3,
            max_dpd_12m=max_dpd,
            delinquencies_30_24m=delinquencies,
            inquiries_7d=inquiries_7d,
            inquiries_30d=inquiries_30d,
            inquiries_90d=inquiries_90d,
            history_months=int(rng.integers(0, 120)),
            identity_mismatch=bool(rng.random() < 0.005),
            attributes=attributes,
        )
        forced = self._overrides.get((borrower.passport_series, borrower.passport_number))
        if SandboxBureau.fault == "malformed":
            forced = {**(forced or {}), "open_high_psk_loans": "?"}
        return replace(report, **forced) if forced else report


def get_bureaus() -> list[CreditBureau]:
    paths = getattr(settings, "SCORING_BUREAUS", ["scoring.bureau.SandboxBureau"])
    return [import_string(path)() for path in paths]


def bureau_width() -> int:
    return int(getattr(settings, "SCORING_BUREAU_WIDTH", DEFAULT_WIDTH))


@dataclass(frozen=True)
class BureauReports:
    """Every bureau's answer for one application; the primary's comes first."""

    reports: list[BureauReport]
    received_at: datetime

    @property
    def primary(self) -> BureauReport:
        return self.reports[0]

    @property
    def self_ban(self) -> bool:
        return any(report.self_ban for report in self.reports)

    @property
    def identity_mismatch(self) -> bool:
        return any(report.identity_mismatch for report in self.reports)

    @property
    def open_high_psk_loans(self) -> int:
        return max(report.open_high_psk_loans for report in self.reports)

    @property
    def other_monthly_payments_kop(self) -> int:
        return max(report.other_monthly_payments_kop for report in self.reports)


def ask_bureaus(*, borrower: Borrower, as_of: date, width: int | None = None) -> BureauReports:
    width = bureau_width() if width is None else width
    reports = [
        bureau.report(borrower=borrower, as_of=as_of, width=width) for bureau in get_bureaus()
    ]
    return BureauReports(reports, received_at=timezone.now())


def _checked(bureau: CreditBureau, *, borrower: Borrower, as_of: date) -> BureauReport:
    """One bureau's narrow answer for signing, or BureauUnavailable saying why not."""
    try:
        report = bureau.report(borrower=borrower, as_of=as_of, width=0)
    except Exception as exc:  # a timeout, a refused connection, a bug in their answer
        raise BureauUnavailable(bureau.name, type(exc).__name__) from exc
    if not isinstance(report.self_ban, bool):
        raise BureauUnavailable(bureau.name, "malformed answer: self_ban")
    count = report.open_high_psk_loans
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise BureauUnavailable(bureau.name, "malformed answer: open_high_psk_loans")
    return report


def ask_bureaus_at_signing(*, borrower: Borrower, as_of: date) -> BureauReports:
    """Ask every bureau for the self-ban and the borrower's other loans (545-FZ), without the
    wide attribute vector. Every bureau must answer: the law wants all of them asked."""
    reports = [_checked(b, borrower=borrower, as_of=as_of) for b in get_bureaus()]
    return BureauReports(reports, received_at=timezone.now())
