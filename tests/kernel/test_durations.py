from datetime import timedelta

from django.utils import translation

from kernel.templatetags.durations import duration_words


def test_a_duration_reads_in_russian_with_the_right_plural():
    with translation.override("ru"):
        assert duration_words(timedelta(minutes=1)) == "1 минуту"
        assert duration_words(timedelta(minutes=3)) == "3 минуты"
        assert duration_words(timedelta(minutes=15)) == "15 минут"
        assert duration_words(timedelta(minutes=90)) == "1 час 30 минут"


def test_a_duration_reads_in_english():
    with translation.override("en"):
        assert duration_words(timedelta(hours=2)) == "2 hours"
