"""The contract (individual conditions) as PDF: its terms, the ПСК boxes, Russian typography."""

import datetime as dt
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
import weasyprint
from django.core import checks as django_checks

from loans import checks, services
from loans.credit_uid import is_valid_credit_uid
from loans.documents import formatting, rendering
from loans.documents.terms import ContractUnavailable, contract_terms, credit_uid
from tests.factories import IlProductFactory, applied_loan, signed_loan

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def approved(*, rate: int | None = None, **kwargs):
    loan = services.loan_score(loan=applied_loan(**kwargs))
    return services.loan_approve(loan=loan, daily_rate_ppm=rate)


@cache
def _first_page(html: str):
    return weasyprint.HTML(string=html).render().pages[0]


def _boxes(page, element_id: str):
    return [
        box
        for box in page._page_box.descendants()
        if type(box).__name__ == "BlockBox"
        and box.element is not None
        and box.element.get("id") == element_id
    ]


def _text_boxes(page):
    return [b for b in page._page_box.descendants() if type(b).__name__ == "TextBox"]


def _inside(box, container) -> bool:
    return (
        container.position_x <= box.position_x <= container.position_x + container.border_width()
        and container.position_y
        <= box.position_y
        <= container.position_y + container.border_height()
    )


# --- typography ---------------------------------------------------------------------------


def test_dates_are_written_in_russian_with_the_year_mark():
    assert formatting.date_ru(dt.date(2026, 12, 3)) == "3\u00a0декабря 2026\u00a0г."


def test_amounts_are_grouped_by_thousands_with_a_decimal_comma_and_the_rouble_sign():
    assert formatting.rub(1_000_000) == "10\u00a0000,00\u00a0₽"


def test_sums_in_words_agree_in_number_with_roubles_and_kopecks():
    assert formatting.rub_in_words(1_240_001) == "двенадцать тысяч четыреста рублей 01 копейка"
    assert formatting.rub_in_words(200) == "два рубля 00 копеек"


def test_exact_percentages_keep_every_decimal():
    assert formatting.percent_exact_ru(Decimal("50.00002")) == "50,00002\u00a0%"


# --- terms ----------------------------------------------------------------------------------


def test_the_offer_states_the_loans_personal_rate_not_the_products(business_date):
    loan = approved(rate=7000)
    terms = contract_terms(loan=loan)
    assert terms["daily_rate_ppm"] == 7000
    assert "0,7\u00a0% в день" in rendering.contract_html(terms)


def test_a_signed_contract_states_the_frozen_terms_and_schedule(business_date):
    loan = signed_loan(product=IlProductFactory(), amount_kop=3_000_000, term_days=56)
    terms = contract_terms(loan=loan)
    assert terms["principal_kop"] == 3_000_000
    assert terms["psk_percent"] == str(loan.psk_percent)
    assert [row["seq"] for row in terms["schedule"]] == [1, 2, 3, 4]
    assert terms["total_kop"] == sum(row["total_kop"] for row in terms["schedule"])


def test_a_loan_not_approved_has_no_contract(business_date):
    with pytest.raises(ContractUnavailable, match=r"not approved|не одобрена"):
        contract_terms(loan=applied_loan())


def test_the_offers_contract_names_the_credit_uid_given_at_approval(business_date):
    loan = approved()
    assert is_valid_credit_uid(credit_uid(loan))
    assert contract_terms(loan=loan)["credit_uid"] == loan.credit_uid


def test_the_table_has_the_bank_of_russias_numbered_rows(business_date):
    rows = rendering.contract_rows(contract_terms(loan=approved()))
    numbers = [row[0] for row in rows]
    assert numbers[:6] == ["1", "2", "3", "4", "5", "5.1"]
    assert {"6", "7", "8", "8.1", "12", "13", "14", "15", "16"} <= set(numbers)


def test_the_contract_carries_its_template_version(business_date):
    html = rendering.contract_html(contract_terms(loan=approved()))
    assert rendering.CONTRACT.version in html


# --- the ПСК boxes ------------------------------------------------------------------------


@pytest.fixture
def first_page(business_date):
    return _first_page(rendering.contract_html(contract_terms(loan=approved())))


def test_the_psk_boxes_take_at_least_five_per_cent_of_the_first_page(first_page):
    boxes = _boxes(first_page, "psk-percent") + _boxes(first_page, "psk-rub")
    assert len(boxes) == 2
    area = sum(box.border_width() * box.border_height() for box in boxes)
    assert area / (first_page.width * first_page.height) >= 0.05


def test_the_psk_boxes_are_framed_top_right_before_the_table(first_page):
    table = next(
        box
        for box in first_page._page_box.descendants()
        if getattr(box, "element_tag", None) == "table"
        and "conditions" in (box.element.get("class") or "")
    )
    for element_id in ("psk-percent", "psk-rub"):
        (box,) = _boxes(first_page, element_id)
        assert box.position_x + box.border_width() / 2 > first_page.width / 2
        assert box.position_x + box.border_width() > first_page.width * 0.9
        assert box.position_y < first_page.height / 4
        assert box.position_y + box.border_height() < table.position_y
        assert box.border_top_width > 0 and box.border_left_width > 0


def test_the_psk_boxes_are_black_capitals_on_white_in_the_pages_largest_font(first_page):
    boxes = _boxes(first_page, "psk-percent") + _boxes(first_page, "psk-rub")
    texts = _text_boxes(first_page)
    in_boxes = [t for t in texts if any(_inside(t, box) for box in boxes)]
    largest = max(t.style["font_size"] for t in texts)
    assert {t.style["font_size"] for t in in_boxes if t.text.strip("0123456789,% ₽\u00a0")}
    assert max(t.style["font_size"] for t in in_boxes) == largest
    assert all(t.style["font_size"] < largest for t in texts if t not in in_boxes)
    for box in boxes:
        assert box.style["text_transform"] == "uppercase"
        assert tuple(box.style["color"])[:3] == (0, 0, 0)
        assert tuple(box.style["background_color"])[:3] == (1, 1, 1)


def test_the_psk_boxes_show_the_psk_in_per_cent_and_in_roubles(first_page):
    (percent,) = _boxes(first_page, "psk-percent")
    (roubles,) = _boxes(first_page, "psk-rub")
    words = " ".join(t.text for t in _text_boxes(first_page) if _inside(t, percent))
    assert "292,000" in words
    words = " ".join(t.text for t in _text_boxes(first_page) if _inside(t, roubles))
    assert "2\u00a0400,00" in words


def test_the_contract_is_a4(first_page):
    # CSS pixels at 96 per inch: 210 × 297 mm.
    assert round(first_page.width * 25.4 / 96) == 210
    assert round(first_page.height * 25.4 / 96) == 297


def test_the_first_page_renders_to_a_png_picture(business_date):
    pdfium = pytest.importorskip("pypdfium2")
    pdf = rendering.html_to_pdf(rendering.contract_html(contract_terms(loan=approved())))
    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=150 / 72).to_pil()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "contract-page-1.png")
    width, height = image.size
    assert abs(height / width - 297 / 210) < 0.01
    # The boxes' frames are black ink at the top right.
    right_top = image.convert("L").crop((width // 2, 0, width, height // 4))
    assert right_top.getextrema()[0] < 50


# --- start-up checks ----------------------------------------------------------------------


def test_start_up_passes_when_the_documents_can_be_rendered():
    assert checks.documents_can_be_rendered() == []


def test_a_missing_font_stops_start_up_naming_it(settings):
    settings.DOCUMENT_FONT_FAMILY = "No Such Font Sans"
    problems = checks.documents_can_be_rendered()
    assert [p.id for p in problems] == ["loans.E003"]
    assert "No Such Font Sans" in problems[0].msg
    assert problems[0].level == django_checks.ERROR


def test_a_missing_template_stops_start_up_naming_it(monkeypatch):
    missing = rendering.DocumentTemplate("loans/documents/nowhere.html", "0", "Нет")
    monkeypatch.setattr(rendering, "all_templates", lambda: (rendering.CONTRACT, missing))
    problems = checks.documents_can_be_rendered()
    assert [p.id for p in problems] == ["loans.E002"]
    assert "nowhere.html" in problems[0].msg
