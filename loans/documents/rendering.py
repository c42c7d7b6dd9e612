"""Documents rendered from Django templates to a canonical HTML text, then to PDF by WeasyPrint.

The HTML is deterministic for the same terms and template version: its SHA-256 is what the
borrower signs (README, "Documents"), and the PDF is produced from exactly that text.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from loans.documents import formatting as f
from loans.models import ProductKind

DEFAULT_FONT_FAMILY = "DejaVu Sans"


@dataclass(frozen=True)
class DocumentTemplate:
    name: str
    version: str
    title: str


CONTRACT = DocumentTemplate(
    "loans/documents/contract.html", "ИУ-2026.12-2", "Индивидуальные условия"
)
SCHEDULE = DocumentTemplate("loans/documents/schedule.html", "ГП-2026.12-2", "График платежей")
PDN_NOTICE = DocumentTemplate(
    "loans/documents/pdn_notice.html", "ПДН-2026.12-1", "Уведомление о ПДН"
)
INCOME_RULES = {
    "confirmed": "подтверждённый доход",
    "declared": "доход, указанный в анкете",
    "regional_average": "среднедушевой доход в регионе, он ниже указанного в анкете",
}


def all_templates() -> tuple[DocumentTemplate, ...]:
    """Every document template, for the start-up check."""
    return (CONTRACT, SCHEDULE, PDN_NOTICE)


def font_family() -> str:
    return getattr(settings, "DOCUMENT_FONT_FAMILY", DEFAULT_FONT_FAMILY)


def render_html(template: DocumentTemplate, context: dict) -> str:
    """The canonical rendering: the same context and template version give the same text."""
    footer = f"{template.title}. Версия шаблона {template.version}"
    with translation.override("ru"):
        return render_to_string(
            template.name,
            {
                **context,
                "template_version": template.version,
                "font_family": font_family(),
                "footer": footer,
            },
        )


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # imported on use: it loads pango, which the web pages never need

    return weasyprint.HTML(string=html).write_pdf()


def schedule_rows(terms: dict) -> list[dict]:
    remaining = terms["principal_kop"]
    rows = []
    for item in terms["schedule"]:
        remaining -= item["principal_kop"]
        rows.append({**item, "remaining_kop": remaining})
    return rows


def penalty_text(terms: dict) -> str:
    if terms["penalty_interest_stops"]:
        daily = f.percent_exact_daily(terms["penalty_rate_num"])
        return (
            f"Пеня {daily} в день от суммы просроченной задолженности по основному долгу за "
            "каждый день просрочки; за эти дни проценты за пользование займом не начисляются."
        )
    annual = Decimal(terms["penalty_rate_num"]) / 1000
    return (
        f"Неустойка {f.percent_exact_ru(annual)} годовых от суммы просроченной задолженности "
        "по основному долгу за каждый день просрочки; проценты за пользование займом при этом "
        "продолжают начисляться."
    )


def cap_notice(terms: dict) -> str:
    multiplier = terms["charges_cap_multiplier"].rstrip("0").rstrip(".").replace(".", ",")
    return (
        "После возникновения просрочки исполнения обязательства заёмщика по возврату суммы займа "
        "и (или) уплате причитающихся процентов кредитор вправе начислять заёмщику неустойку "
        "(штрафы, пени) и иные меры ответственности только на не погашенную заёмщиком часть "
        "суммы основного долга. Начисление процентов, неустойки (штрафа, пени), иных мер "
        "ответственности и платежей за услуги прекращается, когда их сумма достигнет "
        f"{multiplier}-кратного размера суммы займа ({f.rub(terms['charges_cap_kop'])})."
    )


def fee_text(terms: dict) -> str:
    """The fee taken at signing, as the table of conditions and the schedule state it."""
    fee = terms.get("signing_fee_kop", 0)
    if not fee:
        return ""
    return (
        f"Комиссия за выдачу займа {f.rub_with_words(fee)} удерживается из суммы займа при его "
        f"предоставлении: заёмщику перечисляется {f.rub(terms['principal_kop'] - fee)}. "
        "Комиссия входит в полную стоимость займа и в предельный размер начислений. Заёмщик "
        "согласен с её удержанием."
    )


def payments_text(terms: dict) -> str:
    schedule = terms["schedule"]
    if terms["product"]["kind"] == ProductKind.PDL or len(schedule) == 1:
        only = schedule[-1]
        return (
            f"Один платёж {f.rub_with_words(only['total_kop'])} — {f.date_ru(only['due_date'])}, "
            f"в том числе основной долг {f.rub(only['principal_kop'])} и проценты "
            f"{f.rub(only['interest_kop'])}."
        )
    first = schedule[0]
    return (
        f"Количество платежей: {len(schedule)}, каждые {f.days_ru(terms['period_days'])}, "
        f"первый — {f.date_ru(first['due_date'])}, последний — "
        f"{f.date_ru(schedule[-1]['due_date'])}. Размер платежа {f.rub(first['total_kop'])}"
        f", последнего — {f.rub(schedule[-1]['total_kop'])}. Всего "
        f"{f.rub_with_words(terms['total_kop'])}. Размеры и даты платежей — в графике платежей "
        "(приложение 1)."
    )


def contract_rows(terms: dict) -> list[tuple[str, str, str]]:
    """The numbered rows of the Bank of Russia's table of individual conditions."""
    lender, borrower = terms["lender"], terms["borrower"]
    prolongation = (
        f" Срок возврата может быть продлён по заявлению заёмщика не более "
        f"{terms['max_prolongations']} раз."
        if terms["max_prolongations"]
        else ""
    )
    return [
        (
            "1",
            "Сумма кредита (займа) или лимит кредитования и порядок его изменения",
            f"{f.rub_with_words(terms['principal_kop'])}. Лимит кредитования не устанавливается.",
        ),
        (
            "2",
            "Срок действия договора, срок возврата кредита (займа)",
            f"Договор действует до полного исполнения обязательств по нему. Срок возврата "
            f"займа — {f.days_ru(terms['term_days'])} с даты его предоставления; дата "
            f"возврата — {f.date_ru(terms['maturity_date'])}{prolongation}",
        ),
        ("3", "Валюта, в которой предоставляется кредит (заём)", "Российский рубль."),
        (
            "4",
            "Процентная ставка (процентные ставки) в процентах годовых",
            f"{f.annual_rate_ru(terms['daily_rate_ppm'])} "
            f"({f.daily_rate_ru(terms['daily_rate_ppm'])}). Ставка постоянная на весь срок "
            "договора.",
        ),
        (
            "5",
            "Порядок определения курса иностранной валюты при переводе денежных средств "
            "кредитором третьему лицу, указанному заёмщиком",
            "Не применяется.",
        ),
        (
            "5.1",
            "Изменение суммы расходов заёмщика при увеличении переменной процентной ставки",
            "Не применяется: ставка постоянная.",
        ),
        (
            "6",
            "Количество, размер и периодичность (сроки) платежей заёмщика по договору",
            payments_text(terms),
        ),
        (
            "7",
            "Порядок изменения количества, размера и периодичности (сроков) платежей при "
            "частичном досрочном возврате кредита (займа)",
            "Заёмщик вправе вернуть заём досрочно полностью или частично без комиссии; проценты "
            "уплачиваются только за фактический срок пользования займом. При частичном досрочном "
            "возврате уменьшается сумма последующих платежей, их количество и даты не меняются.",
        ),
        (
            "8",
            "Способы исполнения заёмщиком обязательств по договору по месту нахождения заёмщика",
            f"Банковской картой в личном кабинете на сайте {lender['website']} и в мобильном "
            f"приложении; банковским переводом по реквизитам кредитора: "
            f"{lender['bank_details']}.",
        ),
        (
            "8.1",
            "Бесплатный способ исполнения заёмщиком обязательств по договору",
            "Оплата банковской картой в личном кабинете и мобильном приложении кредитора — без "
            "комиссии.",
        ),
        ("9", "Обязанность заёмщика заключить иные договоры", "Не применяется."),
        (
            "10",
            "Обязанность заёмщика по предоставлению обеспечения исполнения обязательств по "
            "договору и требования к такому обеспечению",
            "Не применяется.",
        ),
        ("11", "Цели использования заёмщиком потребительского кредита (займа)", "Не установлены."),
        (
            "12",
            "Ответственность заёмщика за ненадлежащее исполнение условий договора, размер "
            "неустойки (штрафа, пени) или порядок их определения",
            penalty_text(terms),
        ),
        (
            "13",
            "Условие об уступке кредитором третьим лицам прав (требований) по договору",
            "Кредитор вправе уступить права (требования) по договору третьим лицам в порядке "
            "статьи 12 Федерального закона «О потребительском кредите (займе)», если заёмщик "
            "не запретил уступку при заключении договора.",
        ),
        (
            "14",
            "Согласие заёмщика с общими условиями договора",
            f"Заёмщик ознакомлен с общими условиями договора потребительского займа, "
            f"размещёнными на сайте {lender['website']}, и согласен с ними.",
        ),
        (
            "15",
            "Услуги, оказываемые кредитором заёмщику за отдельную плату и необходимые для "
            "заключения договора, их цена или порядок её определения, а также согласие заёмщика "
            "на оказание таких услуг",
            fee_text(terms) or "Не оказываются.",
        ),
        (
            "16",
            "Способ обмена информацией между кредитором и заёмщиком",
            f"Кредитор — через личный кабинет и мобильное приложение, SMS на номер "
            f"{borrower['phone']}"
            + (f" и электронной почтой {borrower['email']}" if borrower["email"] else "")
            + f"; заёмщик — через личный кабинет, по телефону {lender['phone']}, "
            f"электронной почтой {lender['email']} или письмом по адресу {lender['address']}.",
        ),
        (
            "17",
            "Способ получения денежных средств",
            "Перевод на банковский счёт или банковскую карту заёмщика, выбранные в заявке. "
            "Заёмщик вправе отказаться от получения займа полностью или частично до его "
            "предоставления, уведомив кредитора.",
        ),
        (
            "18",
            "Подсудность споров по искам кредитора к заёмщику",
            "Суд по месту жительства заёмщика или по месту получения им оферты (статья 13 "
            "Федерального закона «О потребительском кредите (займе)»).",
        ),
    ]


def contract_html(terms: dict) -> str:
    return render_html(
        CONTRACT,
        {
            "terms": terms,
            "rows": contract_rows(terms),
            "cap_notice": cap_notice(terms),
            "schedule": schedule_rows(terms),
        },
    )


def schedule_html(terms: dict) -> str:
    return render_html(SCHEDULE, {"terms": terms, "schedule": schedule_rows(terms)})


def pdn_terms(debt_load) -> dict:
    """The debt load as the notice states it (JSON-ready)."""
    return {
        "other_payments_kop": debt_load.other_payments_kop,
        "other_payments_source": debt_load.other_payments_source,
        "new_payment_kop": debt_load.new_payment_kop,
        "payments_kop": debt_load.payments_kop,
        "income_kop": debt_load.income_kop,
        "income_rule": debt_load.income_rule,
        "computed_on": debt_load.computed_on.isoformat(),
    }


def pdn_notice_html(terms: dict, pdn: dict) -> str:
    percent = Decimal(pdn["payments_kop"] * 100) / Decimal(pdn["income_kop"])
    shown = {
        **pdn,
        "percent_text": f.percent_exact_ru(
            percent.quantize(Decimal("0.00001"), rounding="ROUND_UP")
        ),
        "income_rule_text": INCOME_RULES[pdn["income_rule"]],
    }
    return render_html(PDN_NOTICE, {"terms": terms, "pdn": shown})
