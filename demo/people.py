"""Synthetic people: names, regions, work and income; the personas; their borrower records.

A persona is what the database knows about a borrower and what it does not (the hidden risk,
the loyalty); `observed_logit` is the part of the risk that the features show.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from demo.numbers import round_down
from loans.models import Borrower, Product, ProductKind, Region
from loans.payment_details import compute_control_digit


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
# A passport is issued at 14 and replaced at 20 and at 45; its series ends with the year.
PASSPORT_AGES = (14, 20, 45)
BIKS = ("044525225", "044525974", "044525593", "044030653", "045004641", "040813608")


def _female_surname(surname: str) -> str:
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    return surname


def _translit(text: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in text.lower()).replace("-", "")


def passport_issued_on(birth: date, *, on: date, delay_days: int) -> date:
    """The day the passport held on `on` was issued: at 14, replaced at 20 and at 45, each
    within `delay_days` of the birthday (never after `on`)."""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    at = max(a for a in PASSPORT_AGES if a <= age)
    try:
        birthday = birth.replace(year=birth.year + at)
    except ValueError:  # born on 29 February
        birthday = date(birth.year + at, 3, 1)
    return min(on, birthday + timedelta(days=delay_days))


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
    borrower: Borrower | None = None
    busy: bool = False
    closed_loans: int = 0
    good_loans: int = 0
    late_loans: int = 0
    bad_loans: int = 0
    reserved: bool = False  # applies in the last hour of the history and waits there


class PeopleMixin:
    """The simulator's people: who arrives when, and their borrower records (the simulator's
    `rng`, `n`, `start`, `today`, `day`, `regions`, `used_phones`, `used_passports`)."""

    def _personas(self) -> list[Persona]:
        rng = self.rng
        span = (self.today - self.start).days
        reserve = min(self.n, max(3, self.n // 40) + max(2, self.n // 60))
        weights = [REGION_PROFILE.get(r.code, (0.03,))[0] for r in self.regions]
        personas = []
        for i in range(self.n):
            reserved = i >= self.n - reserve
            if reserved:
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
                    income_rub=max(8_000, round_down(income, 1000)),
                    hidden=rng.gauss(0, 0.6),
                    loyalty=rng.uniform(0.8, 0.99),
                    card_last4=f"{rng.randrange(10_000):04d}",
                    card_token="tok_" + f"{rng.getrandbits(96):024x}",
                    card_exp=(rng.randint(1, 12), self.today.year + rng.randint(1, 4)),
                    account=account_digits[:8] + control + account_digits[9:],
                    bik=bik,
                    reserved=reserved,
                )
            )
        return personas

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
        birth = self.day - timedelta(days=365 * p.age + rng.randint(0, 364))
        okato = REGION_PROFILE.get(p.region.code, (0, "45", 0))[1]
        issued = passport_issued_on(birth, on=self.day, delay_days=rng.randint(3, 60))
        passport = ("", "")
        while not passport[0] or passport in self.used_passports:
            passport = (f"{okato}{issued.year % 100:02d}", f"{rng.randrange(10**6):06d}")
        self.used_passports.add(passport)
        email = ""
        if rng.random() < 0.7:
            domain = rng.choice(("example.com", "example.org", "example.net"))
            email = f"{_translit(first)}.{_translit(surname)}{rng.randint(1, 999)}@{domain}"
        declared = p.income_rub * 100
        confirmed = None
        if p.employment in ("employed", "pensioner") and rng.random() < 0.25:
            confirmed = round_down(declared * rng.uniform(0.8, 1.0), 100_000)
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
        )
        borrower.save()
        self.report.borrowers += 1
        return borrower

    def ev_arrive(self, p: Persona) -> None:
        p.borrower = self._create_borrower(p)
        self.tick(60, 600)
        self.ev_apply(p)

    def ev_queue_arrival(self, p: Persona) -> None:
        """An application at the end of the history, left to whoever decides it next."""
        if p.borrower is None:
            p.borrower = self._create_borrower(p)
            self.tick(30, 120)
        self.ev_apply(p, arrival="queue")

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
