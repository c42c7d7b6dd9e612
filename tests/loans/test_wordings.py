"""Records stored in English codes read in the reader's language, their figures kept."""

import pytest
from django.utils import translation

from collection.wordings import strategy_reason_text
from loans.wordings import model_label_text, reason_text, transition_row


@pytest.fixture(autouse=True)
def _in_russian():
    with translation.override("ru"):
        yield


def test_a_stored_reason_reads_in_russian_with_its_figures():
    assert reason_text("grey zone: PD 0.77") == "серая зона: PD 0.77"


def test_an_underwriters_approval_keeps_its_amount_and_term():
    assert (
        reason_text("underwriter: approved 10 000,00 ₽ for 30 days")
        == "андеррайтер: одобрено 10 000,00 ₽ на 30 дн."
    )


def test_a_status_inside_a_reason_is_worded_by_its_label():
    assert reason_text("payment held for the borrower: the loan is closed") == (
        "платёж сохранён для заёмщика: заём в статусе «Закрыт»"
    )


def test_text_nobody_here_wrote_is_shown_as_it_was_typed():
    assert reason_text("the borrower called: will pay on Friday") == (
        "the borrower called: will pay on Friday"
    )


def test_a_transition_row_names_the_transition_and_both_statuses():
    assert transition_row("approve", "in_review", "approved") == "Одобрение: На проверке → Одобрено"


def test_a_transition_saved_as_a_records_reason_is_worded():
    assert reason_text("score") == "Скоринг"


def test_a_model_label_reads_by_its_kind_and_status():
    assert model_label_text("application v3 (champion)") == "Модель заявок v3 (Чемпион)"
    assert model_label_text("rules") == "правила (без модели)"


def test_a_strategy_reason_reads_in_russian():
    assert strategy_reason_text("rules: recovery 60% at least 50%") == (
        "правила (без модели): вероятность возврата 60%, не ниже 50%"
    )


def test_every_stored_reason_has_a_russian_wording():
    from loans.wordings import REASONS

    with translation.override("en"):
        english = [str(wording) for _pattern, wording in REASONS]
    assert not [
        text for text, (_p, wording) in zip(english, REASONS, strict=True) if str(wording) == text
    ]
