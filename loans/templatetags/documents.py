"""Russian typography in document templates (loans.documents.formatting)."""

from django import template

from loans.documents import formatting

register = template.Library()

register.filter("date_ru", formatting.date_ru)
register.filter("date_short_ru", formatting.date_short_ru)
register.filter("rub_doc", formatting.rub)
register.filter("rub_words", formatting.rub_with_words)
register.filter("percent_ru", formatting.percent_ru)
register.filter("percent_exact_ru", formatting.percent_exact_ru)
register.filter("daily_rate_ru", formatting.daily_rate_ru)
register.filter("annual_rate_ru", formatting.annual_rate_ru)
register.filter("days_ru", formatting.days_ru)
