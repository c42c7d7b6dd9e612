"""A case's strategy reason, stored as the chooser wrote it ("rules: recovery 60% at least
50%"), in the reader's language: the method by its name, the why by its pattern."""

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from loans.wordings import model_label_text, worded

WHY: list[tuple[re.Pattern[str], Promise]] = [
    (re.compile(pattern), wording)
    for pattern, wording in (
        (
            r"(?P<dpd>\d+) days overdue and recovery (?P<recovery>\d+%) below (?P<limit>\d+%)",
            _("%(dpd)s days overdue and recovery %(recovery)s below %(limit)s"),
        ),
        (
            r"recovery (?P<recovery>\d+%) at least (?P<limit>\d+%)",
            _("recovery %(recovery)s, at least %(limit)s"),
        ),
        (
            r"(?P<dpd>\d+) days overdue and recovery (?P<recovery>\d+%): a plan it can pay",
            _("%(dpd)s days overdue and recovery %(recovery)s: a plan the debtor can pay"),
        ),
        (
            r"recovery (?P<recovery>\d+%) below (?P<limit>\d+%)",
            _("recovery %(recovery)s below %(limit)s"),
        ),
    )
]


def strategy_reason_text(stored: str) -> str:
    method, colon, why = stored.partition(": ")
    if not colon:
        return worded(stored, WHY)
    return f"{model_label_text(method)}: {worded(why, WHY)}"
