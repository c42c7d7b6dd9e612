"""Demo data: products, one staff account per role, and a synthetic book with a believable past.

`generate_portfolio` sets the business date ~200 days back and walks forward a day at a time.
Each day some borrowers apply; the robot's decision is simulated (score, then approve, refer
to an underwriter or decline); signed offers are paid out through the sandbox gateway (a few
payouts fail); repayments follow a default process whose probability depends on the
borrower's features (age, income, employment, region, earlier loans, amount against income)
plus noise the features do not see, so a model trained on this history scores a plausible,
never perfect, AUC. Close-of-business runs after every day, so accrual and overdue are real.
Every write to a loan goes through `loans.services`; the run is deterministic for a seed.

While the history is generated, `django.utils.timezone.now` answers with the simulated moment,
so every timestamp (applications, transitions, history rows, payments, COB runs) falls on the
day it happened rather than on the day the demo was loaded.
"""

import heapq
import itertools
import logging
import math
import os
import random
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from cards import services as credit_lines
from cards import tasks as card_tasks
from cards.models import CreditLine, DrawKind
from kernel import dispatch
from kernel.errors import DomainError
from loans import bureau_outbox, bureau_sending, services, tasks
from loans.bureau_sending import SandboxReportingBureau
from loans.business_date import MOSCOW, set_business_date
from loans.cob import run_cob_until
from loans.gateway import SandboxGateway
from loans.models import (
    Borrower,
    BureauSubmission,
    CobRun,
    Loan,
    LoanStatus,
    PayoutMethod,
    PayoutStatus,
    Product,
    ProductKind,
    Region,
    ScheduleItem,
    SubmissionStatus,
)
from loans.models.products import PenaltyMode
from loans.payment_details import compute_control_digit
from loans.regulation import earliest_payout

S = LoanStatus
# The simulated repayments are booked straight through the services, not collected by the
# sandbox provider (no payment webhook): they carry their own provider name, so the sandbox's
# settlement report (payouts, refunds, webhook payments) reconciles with the book.
PROVIDER = "demo"

# --- products and accounts ---------------------------------------------------------------

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


@dataclass(frozen=True)
class DemoUser:
    username: str
    group: str
    role: str
    superuser: bool = False
    admin_site: bool = True


DEMO_USERS = (
    DemoUser("admin", "administrator", "administrator", superuser=True),
    DemoUser("risk", "risk_manager", "risk manager"),
    DemoUser("underwriter", "underwriter", "underwriter", admin_site=False),
    DemoUser("collector", "collector", "collector", admin_site=False),
)


def password_file() -> Path:
    """Where the demo password is kept for `make run` (gitignored)."""
    return Path(getattr(settings, "DEMO_PASSWORD_FILE", settings.BASE_DIR / ".demo-password"))


def read_saved_password() -> str | None:
    path = password_file()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def save_password(password: str) -> Path:
    path = password_file()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return path


def demo_data_exists() -> bool:
    names = [user.username for user in DEMO_USERS]
    return Loan.objects.exists() or get_user_model().objects.filter(username__in=names).exists()


def ensure_products() -> list[str]:
    """Create the demo products that are missing; staff edits to existing ones are kept."""
    created = []
    for spec in PRODUCTS:
        data = dict(spec)
        _, made = Product.objects.get_or_create(code=data.pop("code"), defaults=data)
        if made:
            created.append(spec["code"])
    return created


def ensure_accounts(*, password: str | None) -> tuple[str | None, list[str]]:
    """Create the four demo accounts (staff, each in its group; admin is a superuser).

    With a password, every account gets it. Without one, existing accounts keep theirs; if any
    account is new, a fresh password is generated for all four. Returns (password set or None,
    usernames created).
    """
    user_model = get_user_model()
    existing = set(
        user_model.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    missing = [u for u in DEMO_USERS if u.username not in existing]
    if password is None and missing:
        password = secrets.token_urlsafe(12)
    created = []
    for spec in DEMO_USERS:
        group, _ = Group.objects.get_or_create(name=spec.group)
        user, made = user_model.objects.get_or_create(
            username=spec.username,
            defaults={"email": f"{spec.username}@zaymer.example", "first_name": spec.role},
        )
        user.is_staff = spec.admin_site
        user.is_active = True
        user.is_superuser = spec.superuser
        if password is not None:
            user.set_password(password)
        user.save()
        user.groups.add(group)
        if made:
            created.append(spec.username)
    return password, created


# --- synthetic people ----------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MALE_NAMES = _words(
    "Александр Алексей Андрей Антон Артём Борис Вадим Василий Виктор Владимир Владислав "
    "Вячеслав Георгий Григорий Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл Константин "
    "Леонид Максим Михаил Никита Николай Олег Павел Пётр Роман Руслан Сергей Станислав Степан "
    "Тимур Фёдор Юрий Ярослав"
)
FEMALE_NAMES = _words(
    "Александра Алина Анастасия Анна Валентина Валерия Вера Виктория Галина Дарья Евгения "
    "Екатерина Елена Елизавета Зоя Ирина Кристина Ксения Лариса Любовь Людмила Маргарита "
    "Марина Мария Надежда Наталья Нина Оксана Ольга Полина Светлана София Татьяна Юлия Яна"
)
PATRONYMIC_ROOTS = _words(
    "Александров Алексеев Андреев Анатольев Васильев Викторов Владимиров Геннадьев Дмитриев "
    "Евгеньев Иванов Игорев Михайлов Николаев Олегов Павлов Петров Романов Сергеев Юрьев"
)
SURNAMES = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв "
    "Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков "
    "Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров "
    "Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов "
    "Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов "
    "Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Щербаков Назаров Калинин Исаев Быков "
    "Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Голубев Прохоров Наумов Потапов "
    "Трофимов Леонов Соболев Ермаков Колесников Гончаров Котов Гришин Архипов Громов Кириллов "
    "Панов Моисеев Румянцев Акимов Галкин Юдин Нестеров Симонов Князев Цветков Мальцев Логинов "
    "Савин Краснов Демидов Рыбаков Сафонов Жданов Островский Вишневский Хабибуллин Галиев "
    "Сафин Гарипов Ахметов Шарипов Шевченко Бондаренко Ковальчук Руденко"
)
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        _words("a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"),
        strict=True,
    )
)
# Region code → (share of borrowers, OKATO prefix of passport series, risk shift)
REGION_PROFILE = {
    "77": (0.22, "45", -0.25),
    "78": (0.12, "40", -0.15),
    "16": (0.08, "92", -0.05),
    "63": (0.07, "36", 0.10),
    "66": (0.09, "65", 0.05),
    "54": (0.07, "50", 0.15),
    "24": (0.07, "04", 0.20),
    "38": (0.06, "25", 0.35),
    "25": (0.06, "05", 0.25),
    "39": (0.04, "27", 0.10),
    "41": (0.02, "30", 0.00),
}
EMPLOYMENT_PROFILE = {
    # employment → (income factor against the regional average, risk shift)
    "employed": (1.15, 0.0),
    "self_employed": (1.0, 0.45),
    "pensioner": (0.55, -0.35),
    "student": (0.4, 0.8),
    "unemployed": (0.3, 1.4),
}
BIKS = ("044525225", "044525974", "044525593", "044030653", "045004641", "040813608")


def _female_surname(surname: str) -> str:
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    return surname


def _translit(text: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in text.lower()).replace("-", "")


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _round_down(value: float, step: int) -> int:
    return int(value // step * step)


# --- the simulation --------------------------------------------------------------------------


class SimulatedClock:
    """Stands in for `django.utils.timezone.now` while the history is generated."""

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def now(self) -> datetime:
        return self.moment


@dataclass
class Persona:
    """A synthetic borrower: what the database knows about them, and what it does not."""

    index: int
    arrival: date
    gender: str
    age: int
    region: Region
    employment: str
    income_rub: int
    hidden: float  # risk the features do not show
    loyalty: float  # chance to come back after a good loan
    card_last4: str
    card_token: str
    card_exp: tuple[int, int]
    account: str
    bik: str
    self_ban: bool = False
    borrower: Borrower | None = None
    busy: bool = False
    closed_loans: int = 0
    good_loans: int = 0
    late_loans: int = 0
    bad_loans: int = 0
    reserved: str = ""  # "review" or "offer": applies on the last day and is left in the queue


@dataclass
class Track:
    """A live loan and how its borrower will behave."""

    loan_id: int
    persona: Persona
    kind: str
    pd: float
    bad: bool
    style: str
    prolongations_left: int = 0
    stop_after: int | None = None  # installments paid before the borrower stops paying
    in_collection: bool = False
    max_dpd: int = 0
    hold: bool = False  # a showcase debtor: stays overdue to the end


@dataclass
class Report:
    borrowers: int = 0
    applications: int = 0
    repeat_applications: int = 0
    signed: int = 0
    signed_repeat: int = 0
    failed_payouts: int = 0
    pending_payouts: int = 0
    prolongations: int = 0
    restructurings: int = 0
    write_offs: int = 0
    refunds: int = 0
    cards: int = 0
    card_draws: int = 0
    refused: Counter = field(default_factory=Counter)
    statuses: dict = field(default_factory=dict)
    start: date | None = None
    end: date | None = None


class PortfolioSimulator:
    def __init__(
        self,
        *,
        borrowers: int,
        days: int,
        seed: int,
        today: date,
        real_now: datetime,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        # The cards draw from their own stream, so that the loans are the same with or without.
        self.card_rng = random.Random(seed + 1)  # noqa: S311 - as above
        self.cards: dict[int, int] = {}  # borrower → credit line
        self.n = borrowers
        self.today = today
        self.start = today - timedelta(days=days)
        self.real_now = real_now
        self.log = log or (lambda message: None)
        self.clock = SimulatedClock()
        self.clock.moment = datetime.combine(self.start, time(0, 5), tzinfo=MOSCOW)
        self.queue: list = []
        self.counter = itertools.count()
        self.day = self.start
        self.report = Report(start=self.start, end=today)
        self.products = {p.code: p for p in Product.objects.filter(code__in=_product_codes())}
        user_model = get_user_model()
        self.staff = {u.username: u for u in user_model.objects.filter(username__in=_usernames())}
        self.regions = list(Region.objects.order_by("code"))
        self.used_phones = set(Borrower.objects.values_list("phone", flat=True))
        self.used_passports = set(
            Borrower.objects.values_list("passport_series", "passport_number")
        )
        self.showcase: set[str] = set()
        self.event_ids = itertools.count(1)
        window_start = datetime.combine(today, time(0, 6), tzinfo=MOSCOW)
        self.last_day_from = min(window_start, real_now - timedelta(minutes=1))
        self.last_day_to = max(self.last_day_from, real_now - timedelta(minutes=1))

    # --- time ------------------------------------------------------------------------------

    def at(self, day: date, seconds: float) -> datetime:
        """A moment on a business day; the last day is squeezed into the hours already past."""
        if day != self.today:
            return datetime.combine(day, time(0), tzinfo=MOSCOW) + timedelta(seconds=seconds)
        span = (self.last_day_to - self.last_day_from).total_seconds()
        return self.last_day_from + timedelta(seconds=span * seconds / 86_400)

    def daytime(self, day: date, lo: int = 8, hi: int = 22) -> datetime:
        return self.at(day, self.rng.uniform(lo * 3600, hi * 3600))

    def push(self, when: datetime, action: Callable, *args) -> None:
        when = max(when, self.clock.moment)  # time never runs backwards
        heapq.heappush(self.queue, (when, next(self.counter), action, args))

    def push_day(self, day: date, action: Callable, *args, lo: int = 8, hi: int = 22) -> None:
        day = max(day, self.day + timedelta(days=1))
        self.push(self.daytime(day, lo, hi), action, *args)

    def later(self, minutes_lo: float, minutes_hi: float) -> datetime:
        return self.clock.moment + timedelta(minutes=self.rng.uniform(minutes_lo, minutes_hi))

    def tick(self, seconds_lo: float = 2, seconds_hi: float = 30) -> None:
        self.clock.moment += timedelta(seconds=self.rng.uniform(seconds_lo, seconds_hi))

    # --- the walk ----------------------------------------------------------------------------

    def run(self) -> Report:
        personas = self._personas()
        for persona in personas:
            if persona.reserved:
                continue
            moment = self.daytime(persona.arrival, 7, 23)
            self.push(moment, self.ev_arrive, persona)
        set_business_date(on=self.start)
        day = self.start
        while day <= self.today:
            self.day = day
            if day == self.today:
                self._last_day_queue([p for p in personas if p.reserved])
                horizon = self.last_day_to
            else:
                horizon = datetime.combine(day + timedelta(days=1), time(0), tzinfo=MOSCOW)
            # A savepoint per simulated day. Payout tasks deferred to the final commit find
            # their payouts already settled and do nothing.
            with transaction.atomic():
                while self.queue and self.queue[0][0] < horizon:
                    moment, _, action, args = heapq.heappop(self.queue)
                    self.clock.moment = moment
                    action(*args)
            if day < self.today:
                self.clock.moment = datetime.combine(day + timedelta(days=1), time(0, 5), MOSCOW)
                run_cob_until(until=day)
                self._report_to_bureaus(day)
                if (day - self.start).days % 50 == 49:
                    self.log(f"  {day}: {Loan.objects.count()} loans so far")
            day += timedelta(days=1)
        self.report.borrowers = Borrower.objects.count()
        self.report.statuses = loans_per_status()
        return self.report

    def _report_to_bureaus(self, day: date) -> None:
        """The day's credit-history events go to the sandbox bureaus. Now and then ОКБ
        refuses a day's events; staff correct most such rejections two days later and
        leave the latest ones for the admin and the reporting page to show."""
        SandboxReportingBureau.faults = {"okb": "reject:*"} if day.toordinal() % 23 == 0 else {}
        try:
            bureau_sending.send_due(now=self.clock.moment, limit=1_000_000)
        finally:
            SandboxReportingBureau.faults = {}
        stale = BureauSubmission.objects.filter(
            status=SubmissionStatus.REJECTED, event__occurred_on__lte=day - timedelta(days=2)
        ).exclude(reason__contains="left for staff")
        stale = stale.select_related("event")
        # The first rejection is always left for staff, so the pages have one to show.
        left = BureauSubmission.objects.filter(reason__contains="left for staff").exists()
        for submission in stale[:20]:
            corrected = self.rng.random() < 0.8  # drawn always: the history's sequence holds
            if left and corrected:
                bureau_outbox.event_correct(event=submission.event)
            else:  # left rejected: the demo keeps some for staff to see
                left = True
                BureauSubmission.objects.filter(pk=submission.pk).update(
                    reason=submission.reason + " (left for staff to correct)"
                )

    def _personas(self) -> list[Persona]:
        rng = self.rng
        span = (self.today - self.start).days
        reserve = min(self.n, max(3, self.n // 40) + max(2, self.n // 60))
        weights = [REGION_PROFILE.get(r.code, (0.03,))[0] for r in self.regions]
        personas = []
        for i in range(self.n):
            reserved = ""
            if i >= self.n - reserve:
                reserved = "review" if (self.n - i) % 3 else "offer"
                arrival = self.today
            else:
                # More arrivals early on, so the book matures into repeat borrowers.
                arrival = self.start + timedelta(days=int(span * rng.random() ** 2.5))
            age = int(min(72, 18 + rng.triangular(0, 54, 11)))
            if age < 23:
                employment = rng.choices(["student", "employed", "unemployed"], [5, 4, 1])[0]
            elif age >= 60:
                employment = rng.choices(["pensioner", "employed", "self_employed"], [7, 2, 1])[0]
            else:
                employment = rng.choices(
                    ["employed", "self_employed", "unemployed", "student"], [72, 16, 9, 3]
                )[0]
            region = rng.choices(self.regions, weights)[0]
            factor = EMPLOYMENT_PROFILE[employment][0]
            income = region.average_income_kop / 100 * factor * rng.lognormvariate(0, 0.35)
            account_digits = f"408178100{rng.randrange(10**11):011d}"  # 40817: a person's account
            bik = rng.choice(BIKS)
            control = compute_control_digit(account_with_zero_control=account_digits, bik=bik)
            personas.append(
                Persona(
                    index=i,
                    arrival=arrival,
                    gender=rng.choice("mf"),
                    age=age,
                    region=region,
                    employment=employment,
                    income_rub=max(8_000, _round_down(income, 1000)),
                    hidden=rng.gauss(0, 0.6),
                    loyalty=rng.uniform(0.8, 0.99),
                    card_last4=f"{rng.randrange(10_000):04d}",
                    card_token="tok_" + f"{rng.getrandbits(96):024x}",
                    card_exp=(rng.randint(1, 12), self.today.year + rng.randint(1, 4)),
                    account=account_digits[:8] + control + account_digits[9:],
                    bik=bik,
                    self_ban=rng.random() < 0.015,
                    reserved=reserved,
                )
            )
        return personas

    # --- people ------------------------------------------------------------------------------

    def _create_borrower(self, p: Persona) -> Borrower:
        rng = self.rng
        surname = rng.choice(SURNAMES)
        root = rng.choice(PATRONYMIC_ROOTS)
        if p.gender == "m":
            first, patronymic = rng.choice(MALE_NAMES), root + "ич"
        else:
            first, patronymic = rng.choice(FEMALE_NAMES), root + "на"
            surname = _female_surname(surname)
        phone = ""
        while not phone or phone in self.used_phones:
            phone = f"+79{rng.randrange(10**9):09d}"
        self.used_phones.add(phone)
        okato = REGION_PROFILE.get(p.region.code, (0, "45", 0))[1]
        passport = ("", "")
        while not passport[0] or passport in self.used_passports:
            issued_year = max(0, min(99, (self.day.year - p.age + rng.choice((20, 45))) % 100))
            passport = (f"{okato}{issued_year:02d}", f"{rng.randrange(10**6):06d}")
        self.used_passports.add(passport)
        email = ""
        if rng.random() < 0.7:
            domain = rng.choice(("example.com", "example.org", "example.net"))
            email = f"{_translit(first)}.{_translit(surname)}{rng.randint(1, 999)}@{domain}"
        birth = self.day - timedelta(days=365 * p.age + rng.randint(0, 364))
        declared = p.income_rub * 100
        confirmed = None
        if p.employment in ("employed", "pensioner") and rng.random() < 0.25:
            confirmed = _round_down(declared * rng.uniform(0.8, 1.0), 100_000)
        borrower = Borrower(
            full_name=f"{surname} {first} {patronymic}",
            birth_date=birth,
            phone=phone,
            email=email,
            passport_series=passport[0],
            passport_number=passport[1],
            region=p.region,
            time_zone=p.region.time_zone,
            employment=p.employment,
            declared_income_kop=declared,
            confirmed_income_kop=confirmed,
            self_ban_active=p.self_ban,
            self_ban_checked_at=self.clock.moment,
        )
        borrower.save()
        self.report.borrowers += 1
        return borrower

    def ev_arrive(self, p: Persona) -> None:
        p.borrower = self._create_borrower(p)
        self.tick(60, 600)
        self.ev_apply(p)

    # --- the borrower's risk, as the world knows it and as the robot sees it ----------------

    def observed_logit(self, p: Persona, product: Product, amount_kop: int) -> float:
        z = -1.0
        z += 1.1 if p.age < 23 else 0.45 if p.age < 30 else 0.0 if p.age < 50 else -0.35
        z += EMPLOYMENT_PROFILE[p.employment][1]
        z += REGION_PROFILE.get(p.region.code, (0, "", 0.0))[2]
        z -= 0.9 * math.log(p.income_rub / 45_000)
        z += 1.5 * (min(amount_kop / 100 / p.income_rub, 2.5) - 0.3)
        if product.kind == ProductKind.IL:
            z += 0.3
        z -= 0.45 * min(p.good_loans, 4)
        z += 0.9 * min(p.late_loans, 2)
        z += 2.0 * (p.bad_loans > 0)
        return z

    def _choose_terms(self, p: Persona) -> tuple[Product, int, int]:
        rng = self.rng
        repeat = p.closed_loans > 0
        pdl, plus, il = self.products["pdl30"], self.products["pdl30plus"], self.products["il168"]
        if repeat and p.good_loans and rng.random() < 0.55:
            product = plus
        elif rng.random() < (0.25 if repeat else 0.12) and p.income_rub >= 30_000:
            product = il
        else:
            product = pdl
        if product.kind == ProductKind.IL:
            amount = p.income_rub * rng.uniform(0.4, 1.6) * (1 + 0.15 * min(p.good_loans, 4))
            amount_kop = _round_down(amount, 1000) * 100
            periods = rng.randint(product.min_term_days // 14, product.max_term_days // 14)
            term = periods * product.period_days
        else:
            amount = p.income_rub * rng.uniform(0.08, 0.4) * (1 + 0.3 * min(p.good_loans, 4))
            limit = product.max_amount_kop if repeat else 1_500_000
            amount_kop = min(_round_down(amount, 500) * 100, limit)
            term = rng.choice((7, 10, 14, 14, 15, 21, 21, 30, 30, 30))
        amount_kop = max(product.min_amount_kop, min(product.max_amount_kop, amount_kop))
        term = max(product.min_term_days, min(product.max_term_days, term))
        return product, amount_kop, term

    # --- application and decision ----------------------------------------------------------

    def ev_apply(self, p: Persona, forced: str = "") -> None:
        if p.busy:
            return
        product, amount_kop, term = self._choose_terms(p)
        repeat = p.closed_loans > 0
        loan = services.loan_apply(
            borrower=p.borrower, product=product, amount_kop=amount_kop, term_days=term
        )
        p.busy = True
        self.report.applications += 1
        self.report.repeat_applications += repeat
        self.tick(3, 40)
        loan = services.loan_score(loan=loan)
        z_seen = self.observed_logit(p, product, amount_kop) + 0.25 * p.hidden
        pd_seen = _sigmoid(z_seen + self.rng.gauss(0, 0.35))
        self.tick(1, 5)
        if forced == "review":
            services.loan_refer(loan=loan, reason=f"grey zone: PD {pd_seen:.2f}")
            return
        if forced == "offer":
            services.loan_approve(loan=loan, reason=f"auto-approved: PD {pd_seen:.2f}")
            return
        decline_at, refer_at = (0.55, 0.36) if repeat else (0.45, 0.28)
        if p.self_ban:
            self._decline(p, loan, "a credit bureau reports an active self-ban", actor=None)
        elif self.rng.random() < 0.03:
            self._decline(p, loan, "bureau: too many inquiries in the last 7 days", actor=None)
        elif pd_seen > decline_at:
            self._decline(p, loan, f"PD {pd_seen:.2f} above the cut-off {decline_at}", actor=None)
        elif pd_seen > refer_at or (not repeat and amount_kop > 1_500_000):
            services.loan_refer(loan=loan, reason=f"grey zone: PD {pd_seen:.2f}")
            moment = self.later(3, 45)
            if not time(9) <= moment.astimezone(MOSCOW).time() <= time(21):
                next_day = moment.astimezone(MOSCOW).date()
                if moment.astimezone(MOSCOW).time() > time(21):
                    next_day += timedelta(days=1)
                moment = self.at(next_day, self.rng.uniform(9 * 3600, 10.5 * 3600))
            self.push(moment, self.ev_review, p, loan.pk, z_seen)
        else:
            services.loan_approve(loan=loan, reason=f"auto-approved: PD {pd_seen:.2f}")
            self.push(self.later(1, 25), self.ev_offer, p, loan.pk)

    def _decline(self, p: Persona, loan: Loan, reason: str, *, actor) -> None:
        services.loan_decline(loan=loan, reason=reason, actor=actor)
        self._finish(p, "rejected")

    def ev_review(self, p: Persona, loan_id: int, z_seen: float) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status != S.IN_REVIEW:
            return
        underwriter = self.staff.get("underwriter")
        if self.rng.random() < 0.06:
            services.loan_cancel(loan=loan, reason="the borrower withdrew the application")
            self._finish(p, "cancelled")
            return
        verdict = _sigmoid(z_seen + 0.3 * p.hidden + self.rng.gauss(0, 0.3))
        if verdict > 0.4:
            self._decline(p, loan, "underwriter: income not confirmed", actor=underwriter)
            return
        amount = None
        if self.rng.random() < 0.35:
            lower = _round_down(loan.requested_amount_kop * self.rng.uniform(0.5, 0.8), 50_000)
            if lower >= loan.product.min_amount_kop:
                amount = lower
        services.loan_approve(
            loan=loan,
            actor=underwriter,
            amount_kop=amount,
            reason="approved by underwriter" + (" with a lower amount" if amount else ""),
        )
        self.push(self.later(2, 40), self.ev_offer, p, loan_id)

    def ev_offer(self, p: Persona, loan_id: int) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status != S.APPROVED:
            return
        roll = self.rng.random()
        if roll < 0.04:
            services.loan_cancel(loan=loan, reason="the borrower declined the offer")
            self._finish(p, "cancelled")
            return
        if roll < 0.06:
            self.push(self.clock.moment + timedelta(days=1), self.ev_expire, p, loan_id)
            return
        # At signing the bureaus are asked again when their answer is stale (the pipeline's
        # ensure_bureau_answer); the simulated bureaus say what the persona's history says.
        if not services.bureau_answer_is_fresh(borrower=loan.borrower):
            services.borrower_record_self_ban(
                borrower=loan.borrower,
                active=p.self_ban,
                checked_at=self.clock.moment,
                high_psk_loans=0,
            )
        try:
            services.loan_sign(loan=loan)
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            services.loan_cancel(loan=loan, reason=f"could not sign: {exc.message}")
            self._finish(p, "cancelled")
            return
        self.report.signed += 1
        self.report.signed_repeat += p.closed_loans > 0
        self.tick(20, 120)
        self.ev_disburse(p, loan_id, self.rng.random() < 0.75, True)

    def ev_expire(self, p: Persona, loan_id: int) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status == S.APPROVED:
            services.loan_cancel(loan=loan, reason="the offer expired unsigned")
            self._finish(p, "cancelled")

    # --- payout ------------------------------------------------------------------------------

    def ev_disburse(self, p: Persona, loan_id: int, to_card: bool, may_fail: bool) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status != S.APPROVED:
            return
        roll = self.rng.random() if may_fail else 1.0
        outcome = "fail" if roll < 0.04 else "timeout" if roll < 0.055 else ""
        if to_card:
            method, destination = (
                PayoutMethod.CARD,
                {
                    "token": p.card_token,
                    "last4": p.card_last4,
                    "exp_month": p.card_exp[0],
                    "exp_year": p.card_exp[1],
                },
            )
        else:
            method, destination = PayoutMethod.BANK_ACCOUNT, {"account": p.account, "bik": p.bik}
        held = earliest_payout(
            principal_kop=loan.principal_kop, signed_at=loan.signed_at, signed_on=loan.signed_on
        )
        if outcome and held <= timezone.now():
            SandboxGateway.queue_outcomes(outcome)
        order = services.loan_disburse(loan=loan, method=method, destination=destination)
        if order.status == PayoutStatus.SCHEDULED:
            self.push(order.not_before, self.ev_release, p, loan_id, outcome)
            return
        self._send(p, loan_id, order)

    def ev_release(self, p: Persona, loan_id: int, outcome: str) -> None:
        """The 115-FZ cooling time after signing has passed: the scheduled payout goes out."""
        if outcome:
            SandboxGateway.queue_outcomes(outcome)
        services.payout_release_due()
        self._send(p, loan_id, Loan.objects.get(pk=loan_id).payouts.order_by("-attempt").first())

    def _send(self, p: Persona, loan_id: int, order) -> None:
        order.refresh_from_db(fields=["status"])
        status = order.status
        if status == PayoutStatus.SENT:
            # The payout task runs after commit; when a surrounding transaction (a test)
            # holds the commit back, send it now. The task is idempotent either way.
            status = tasks.send_payout(order.pk)
        self._after_payout(p, loan_id, status)

    def _after_payout(self, p: Persona, loan_id: int, status: str) -> None:
        if status == PayoutStatus.SUCCEEDED:
            self._start_track(p, Loan.objects.get(pk=loan_id))
        elif status == PayoutStatus.FAILED:
            self.report.failed_payouts += 1
            if self.rng.random() < 0.7:
                self.push(self.later(10, 180), self.ev_disburse, p, loan_id, False, False)
            else:
                self.push(self.clock.moment + timedelta(days=1), self.ev_give_up, p, loan_id)
        elif status == PayoutStatus.PENDING:
            self.report.pending_payouts += 1
            self.push(self.later(5, 6), self.ev_poll, p, loan_id)

    def ev_poll(self, p: Persona, loan_id: int) -> None:
        tasks.poll_pending_payouts()
        payout = Loan.objects.get(pk=loan_id).payouts.order_by("-attempt").first()
        self._after_payout(p, loan_id, payout.status)

    def ev_give_up(self, p: Persona, loan_id: int) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.status == S.APPROVED:
            services.loan_cancel(loan=loan, reason="payout failed; the borrower withdrew")
            self._finish(p, "cancelled")

    # --- repayment behaviour -----------------------------------------------------------------

    def _start_track(self, p: Persona, loan: Loan) -> None:
        rng = self.rng
        z = self.observed_logit(p, loan.product, loan.principal_kop)
        pd = _sigmoid(z + p.hidden + rng.gauss(0, 0.25))
        bad = rng.random() < pd
        late_share = min(0.5, 0.08 + 0.6 * pd)
        if loan.product.kind == ProductKind.IL:
            style = "installments"
        else:
            style = rng.choices(
                ["early", "on_time", "prolong", "late", "restructure"],
                [0.2, 0.62 - late_share, 0.15, late_share, 0.03],
            )[0]
        t = Track(
            loan_id=loan.pk,
            persona=p,
            kind=loan.product.kind,
            pd=pd,
            bad=bad,
            style=style,
            prolongations_left=loan.max_prolongations,
        )
        self._showcase(t, loan)
        if t.kind == ProductKind.IL and t.bad:
            periods = loan.term_days // loan.period_days
            t.stop_after = rng.randint(0, max(0, periods - 2))
        if t.kind == ProductKind.IL:
            self._plan_installment(t, loan)
        else:
            self._plan_pdl(t, loan)

    def _showcase(self, t: Track, loan: Loan) -> None:
        """However small the demo, show each path once (the first loan that fits each)."""
        if t.kind != ProductKind.PDL:
            return
        due, today = loan.maturity_date, self.today
        if "overdue" not in self.showcase and today - timedelta(40) <= due <= today - timedelta(3):
            self.showcase.add("overdue")
            t.bad, t.hold = True, True
        elif "written_off" not in self.showcase and due <= today - timedelta(110):
            self.showcase.add("written_off")
            t.bad, t.style = True, "write_off"
        elif "restructured" not in self.showcase and due <= today - timedelta(60):
            self.showcase.add("restructured")
            t.bad, t.style = False, "restructure"
        elif "prolonged" not in self.showcase and due <= today - timedelta(45):
            self.showcase.add("prolonged")
            t.bad, t.style = False, "prolong"

    def _plan_pdl(self, t: Track, loan: Loan) -> None:
        rng = self.rng
        due = loan.maturity_date
        if t.bad:
            self._plan_default(t, due)
            return
        days_left = (due - self.day).days
        if t.style == "early" and days_left >= 2:
            self.push_day(self.day + timedelta(rng.randint(1, days_left - 1)), self.ev_pay_full, t)
        elif t.style == "prolong" and t.prolongations_left > 0:
            when = due - timedelta(rng.choice((0, 0, 1, 2)))
            self.push_day(when, self.ev_prolong, t, rng.choice((7, 14, 14, 21, 30)))
        elif t.style == "late":
            late_by = rng.randint(1, 24)
            if rng.random() < 0.5:
                part_day = due + timedelta(rng.randint(1, late_by))
                self.push_day(part_day, self.ev_pay_part, t, rng.uniform(0.2, 0.6), lo=8, hi=12)
            self.push_day(due + timedelta(late_by), self.ev_pay_full, t, lo=13, hi=22)
        elif t.style == "restructure":
            self.push_day(due + timedelta(rng.randint(6, 20)), self.ev_restructure, t, 0, lo=10)
        else:
            self.push_day(due - timedelta(rng.choice((0, 0, 0, 1, 2, 3))), self.ev_pay_full, t)

    def _plan_default(self, t: Track, due: date) -> None:
        """A borrower who stops paying: maybe a token payment, then collection."""
        rng = self.rng
        if t.hold:
            return
        if rng.random() < 0.35:
            part_day = due + timedelta(rng.randint(-2, 12))
            self.push_day(part_day, self.ev_pay_part, t, rng.uniform(0.05, 0.3))
        if t.style == "write_off":
            self.push_day(due + timedelta(rng.randint(95, 105)), self.ev_write_off, t, lo=10, hi=18)
            return
        roll = rng.random()
        if t.in_collection:
            if roll < 0.5:
                self.push_day(due + timedelta(rng.randint(90, 130)), self.ev_write_off, t, lo=10)
        elif roll < 0.22:
            self.push_day(due + timedelta(rng.randint(35, 85)), self.ev_pay_full, t)
        elif roll < 0.37:
            stop = rng.randint(0, 2) if rng.random() < 0.6 else None
            self.push_day(due + timedelta(rng.randint(30, 55)), self.ev_restructure, t, stop)
        elif roll < 0.85:
            self.push_day(due + timedelta(rng.randint(95, 130)), self.ev_write_off, t, lo=10)

    def _plan_installment(self, t: Track, loan: Loan) -> None:
        """The next installment of an IL or a restructuring plan."""
        rng = self.rng
        item_day = (
            ScheduleItem.objects.filter(
                loan_id=loan.pk, version=loan.schedule_version, due_date__gt=self.day
            )
            .order_by("due_date")
            .values_list("due_date", flat=True)
            .first()
        )
        if item_day is None:
            return
        if t.stop_after is not None and t.stop_after <= 0:
            t.bad = True
            self._plan_default(t, item_day)
            return
        roll = rng.random()
        if roll < 0.04 and not t.in_collection:
            self.push_day(item_day - timedelta(rng.randint(0, 5)), self.ev_pay_full, t)
        elif roll < 0.04 + 0.25 * t.pd + 0.05:
            self.push_day(item_day + timedelta(rng.randint(2, 12)), self.ev_pay_due, t, item_day)
        else:
            early = timedelta(rng.choice((0, 0, 0, 1, 2)))
            self.push_day(item_day - early, self.ev_pay_due, t, item_day)

    # --- servicing events ----------------------------------------------------------------------

    def _live(self, t: Track) -> Loan | None:
        loan = Loan.objects.select_related("product").get(pk=t.loan_id)
        if loan.status not in (S.SERVICED, S.OVERDUE):
            return None
        t.max_dpd = max(t.max_dpd, loan.days_past_due)
        return loan

    def _pay(self, t: Track, loan: Loan, amount_kop: int) -> Loan:
        services.loan_repay(
            loan=loan,
            amount_kop=amount_kop,
            provider=PROVIDER,
            event_id=f"demo-{loan.pk}-{next(self.event_ids)}",
        )
        loan = Loan.objects.get(pk=loan.pk)
        if loan.status == S.CLOSED:
            self._closed(t, loan)
        return loan

    def ev_pay_full(self, t: Track) -> None:
        loan = self._live(t)
        if loan is None:
            return
        amount = services.repayment_quote_kop(loan=loan)
        if self.rng.random() < 0.06:
            amount = (amount // 10_000 + 1) * 10_000  # rounded up to whole hundreds of roubles
        self._pay(t, loan, amount)

    def ev_pay_part(self, t: Track, share: float) -> None:
        loan = self._live(t)
        if loan is None:
            return
        quote = services.repayment_quote_kop(loan=loan)
        amount = max(10_000, _round_down(quote * share, 10_000))
        if amount < quote:
            self._pay(t, loan, amount)

    def ev_pay_due(self, t: Track, item_day: date) -> None:
        loan = self._live(t)
        if loan is None:
            return
        quote = services.repayment_quote_kop(loan=loan)
        due_items = (
            ScheduleItem.objects.filter(
                loan_id=loan.pk,
                version=loan.schedule_version,
                due_date__gte=loan.next_due_date or item_day,
                due_date__lte=item_day,
            ).aggregate(total=Sum("total_kop"))["total"]
            or 0
        )
        amount = max(0, loan.due_passed_kop - loan.paid_debt_kop) + due_items + loan.penalty_out_kop
        if amount >= quote or item_day >= loan.maturity_date:
            amount = quote
        if amount > 0:
            loan = self._pay(t, loan, amount)
        if t.stop_after is not None:
            t.stop_after -= 1
        if loan.status in (S.SERVICED, S.OVERDUE):
            self._plan_installment(t, loan)

    def ev_prolong(self, t: Track, days: int) -> None:
        loan = self._live(t)
        if loan is None:
            return
        try:
            quote = services.prolongation_quote(loan=loan, days=days)
            services.loan_prolong(
                loan=loan,
                days=days,
                provider=PROVIDER,
                event_id=f"demo-{loan.pk}-{next(self.event_ids)}",
                amount_kop=quote["pay_kop"],
            )
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            self.ev_pay_full(t)
            return
        self.report.prolongations += 1
        t.prolongations_left -= 1
        loan = Loan.objects.get(pk=loan.pk)
        t.style = self.rng.choices(["on_time", "prolong", "late"], [0.62, 0.25, 0.13])[0]
        self._plan_pdl(t, loan)

    def ev_restructure(self, t: Track, stop_after: int | None) -> None:
        loan = self._live(t)
        if loan is None or loan.status != S.OVERDUE:
            return
        periods = self.rng.randint(2, 4) if t.kind == ProductKind.PDL else self.rng.randint(3, 6)
        try:
            loan = services.loan_restructure(
                loan=loan, periods=periods, period_days=14, actor=self.staff.get("collector")
            )
        except DomainError as exc:
            self.report.refused[exc.code] += 1
            return
        self.report.restructurings += 1
        t.in_collection = True
        t.stop_after = stop_after if t.bad else None
        t.bad = False
        self._plan_installment(t, loan)

    def ev_write_off(self, t: Track) -> None:
        loan = self._live(t)
        if loan is None or loan.status != S.OVERDUE:
            return
        services.loan_write_off(
            loan=loan,
            reason=f"uncollectable after {loan.days_past_due} days past due",
            actor=self.staff.get("admin"),
        )
        self.report.write_offs += 1
        t.persona.bad_loans += 1
        self._finish(t.persona, "written_off")

    def ev_refund(self, loan_id: int) -> None:
        loan = Loan.objects.get(pk=loan_id)
        if loan.overpayment_kop > 0:
            services.loan_refund_overpayment(loan=loan)
            self.report.refunds += 1

    def _closed(self, t: Track, loan: Loan) -> None:
        p = t.persona
        p.closed_loans += 1
        if t.max_dpd >= 30:
            p.bad_loans += 1
            outcome = "bad"
        elif t.max_dpd > 0:
            p.late_loans += 1
            outcome = "late"
        else:
            p.good_loans += 1
            outcome = "good"
        if loan.overpayment_kop and self.rng.random() < 0.7:
            self.push_day(self.day + timedelta(self.rng.randint(1, 5)), self.ev_refund, loan.pk)
        if p.good_loans >= 3 and loan.borrower_id not in self.cards:
            self._maybe_open_card(p, loan.borrower_id)
        self._finish(p, outcome)

    # --- the virtual card: some loyal borrowers take one and use it -------------------------

    def _maybe_open_card(self, p: Persona, borrower_id: int) -> None:
        rng = self.card_rng
        if rng.random() > 0.35:
            return
        line = credit_lines.credit_line_open(
            borrower=Borrower.objects.get(pk=borrower_id),
            limit_kop=rng.choice((15_000, 20_000, 30_000)) * 100,
            daily_rate_ppm=5_000,
        )
        self.cards[borrower_id] = line.pk
        self.report.cards += 1
        self.push_day(self.day + timedelta(days=rng.randint(0, 3)), self.ev_card_use, p, line.pk)

    def ev_card_use(self, p: Persona, line_id: int) -> None:
        """A purchase or a transfer now and then, and a payment when the debt grows."""
        rng = self.card_rng
        line = CreditLine.objects.get(pk=line_id)
        try:
            if line.debt_kop and (line.overdue_kop or rng.random() < 0.45):
                share = 1.0 if rng.random() < 0.4 else rng.uniform(0.2, 0.6)
                wanted = max(line.overdue_kop, _round_down(line.debt_kop * share, 100), 100)
                credit_lines.credit_line_repay(
                    credit_line=line,
                    amount_kop=min(wanted, line.debt_kop),
                    provider="demo",
                    event_id=f"card-{next(self.event_ids)}",
                )
            elif line.available_kop >= 50_000:
                purchase = rng.random() < 0.7
                rub = _round_down(rng.uniform(500, min(8_000, line.available_kop / 100)), 1)
                draw = credit_lines.credit_line_draw(
                    credit_line=line,
                    kind=DrawKind.PURCHASE if purchase else DrawKind.TRANSFER,
                    amount_kop=rub * 100,
                    idempotency_key=f"demo-draw-{line.pk}-{next(self.event_ids)}",
                    merchant=rng.choice(("Пятёрочка", "Ozon", "Аптека", "РЖД")) if purchase else "",
                    payout_reference="" if purchase else "own account",
                    payout_method="" if purchase else PayoutMethod.BANK_ACCOUNT,
                    payout_destination=None if purchase else {"account": p.account, "bik": p.bik},
                )
                if not purchase:
                    # As for loans' payouts: the task may be held back with the commit.
                    card_tasks.send_card_transfer(draw.transfer.pk)
                self.report.card_draws += 1
        except DomainError as exc:
            self.report.refused[exc.code] += 1
        self.push_day(self.day + timedelta(days=rng.randint(2, 12)), self.ev_card_use, p, line_id)

    def _finish(self, p: Persona, outcome: str) -> None:
        """The borrower's request or loan is over: will they come back, and when?"""
        rng = self.rng
        p.busy = False
        chance, gap = {
            "good": (p.loyalty, lambda: 1 + int(rng.expovariate(1 / 4))),
            "late": (p.loyalty * 0.9, lambda: 2 + int(rng.expovariate(1 / 10))),
            "bad": (0.3, lambda: rng.randint(10, 40)),
            "written_off": (0.08, lambda: rng.randint(20, 60)),
            "rejected": (0.45, lambda: rng.randint(14, 60)),
            "cancelled": (0.7, lambda: rng.randint(1, 25)),
        }[outcome]
        if rng.random() < chance:
            day = self.day + timedelta(days=min(gap(), 90))
            if day <= self.today:
                self.push(self.daytime(day, 7, 23), self.ev_apply, p)

    # --- the last day: the underwriter's queue and fresh offers ---------------------------

    def _last_day_queue(self, reserved: list[Persona]) -> None:
        for p in reserved:
            minutes_ago = self.rng.uniform(1, 50)
            moment = max(self.last_day_from, self.last_day_to - timedelta(minutes=minutes_ago))
            self.push(moment, self.ev_queue_arrival, p)

    def ev_queue_arrival(self, p: Persona) -> None:
        p.borrower = self._create_borrower(p)
        self.tick(30, 120)
        self.ev_apply(p, forced=p.reserved)


def loans_per_status() -> dict[str, int]:
    counts = dict(Loan.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in S.values}


def _product_codes() -> list[str]:
    return [spec["code"] for spec in PRODUCTS]


def _usernames() -> list[str]:
    return [user.username for user in DEMO_USERS]


@contextmanager
def _simulated_time(clock: SimulatedClock) -> Iterator[None]:
    real_now = timezone.now
    timezone.now = clock.now
    try:
        yield
    finally:
        timezone.now = real_now


@contextmanager
def _payouts_in_process() -> Iterator[None]:
    """No worker runs while the demo loads: send payouts in-process instead of queueing them."""
    SandboxGateway.reset()
    task_log = logging.getLogger(tasks.__name__)
    level = task_log.level
    task_log.setLevel(logging.ERROR)  # timed-out payouts are expected here, and counted
    try:
        with dispatch.in_process("loans.tasks.send_payout"):
            yield
    finally:
        task_log.setLevel(level)
        SandboxGateway.reset()


class PortfolioNotEmpty(DomainError):
    code = "demo_book_not_empty"


def check_book_is_empty(*, days: int) -> None:
    """Raise PortfolioNotEmpty unless `days` of history can be written behind today."""
    if Loan.objects.exists():
        raise PortfolioNotEmpty(
            f"the book already has {Loan.objects.count()} loans; demo history is generated "
            "only into an empty book"
        )
    start = timezone.localdate() - timedelta(days=days)
    last_closed = CobRun.objects.order_by("-business_date").first()
    if last_closed and last_closed.business_date >= start:
        raise PortfolioNotEmpty(
            f"business days up to {last_closed.business_date} are already closed; demo "
            f"history would start on {start}"
        )


def generate_portfolio(
    *,
    borrowers: int,
    days: int = 200,
    seed: int = 20_261_128,
    log: Callable[[str], None] | None = None,
) -> Report:
    """Walk `days` business days up to today, creating `borrowers` synthetic borrowers' history.

    Only into an empty book: the business date can only move forward, so history cannot be
    written behind loans or closed days that already exist.
    """
    check_book_is_empty(days=days)
    today = timezone.localdate()
    missing = set(_product_codes()) - set(
        Product.objects.filter(code__in=_product_codes()).values_list("code", flat=True)
    )
    if missing:
        raise DomainError(f"demo products missing: {', '.join(sorted(missing))}")
    if not Region.objects.exists():
        raise DomainError("no regions: run the migrations first")
    simulator = PortfolioSimulator(
        borrowers=borrowers,
        days=days,
        seed=seed,
        today=today,
        real_now=timezone.now(),
        log=log,
    )
    # All or nothing: a run that fails halfway leaves the book empty, ready for another try.
    with transaction.atomic(), _payouts_in_process(), _simulated_time(simulator.clock):
        report = simulator.run()
    return report
