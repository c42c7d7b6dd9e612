"""Stored records in words on the pages: `{{ row.reason|reason_text }}` (see loans.wordings)."""

from django import template

from loans import wordings

register = template.Library()


@register.filter
def reason_text(stored) -> str:
    return wordings.reason_text(str(stored or ""))


@register.filter
def bureau_name(code) -> str:
    return wordings.bureau_name(str(code or ""))
