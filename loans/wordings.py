"""How the records kept in English codes read to a person, in the reader's language.

A transition log stores the transition's name, its statuses and the reason the code wrote with
it (English: the record stays the same whoever reads it). The pages word them when they show
them: a transition by its name here, a status by its model's label, and a reason by the
pattern of the text that wrote it, its figures kept. A reason written by nobody here (free
text a person typed) is shown as it was typed.
"""

import re
from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loans.models import LoanStatus

TRANSITIONS: dict[str, Promise] = {
    "score": pgettext_lazy("transition", "Scoring"),
    "approve": pgettext_lazy("transition", "Approval"),
    "refer": pgettext_lazy("transition", "Referral to an underwriter"),
    "decline": pgettext_lazy("transition", "Decline"),
    "cancel": pgettext_lazy("transition", "Cancellation"),
    "disburse": pgettext_lazy("transition", "Payout"),
    "payout_failed": pgettext_lazy("transition", "Payout failed"),
    "confirm_payout": pgettext_lazy("transition", "Payout confirmed"),
    "miss_due_date": pgettext_lazy("transition", "Due date missed"),
    "cure": pgettext_lazy("transition", "Back on schedule"),
    "repay_in_full": pgettext_lazy("transition", "Repaid in full"),
    "write_off": pgettext_lazy("transition", "Write-off"),
    # a card's
    "open": pgettext_lazy("transition", "Opening"),
    "freeze": pgettext_lazy("transition", "Freeze"),
    "unfreeze": pgettext_lazy("transition", "Unfreeze"),
    "close": pgettext_lazy("transition", "Closing"),
}


BUREAUS: dict[str, Promise] = {
    "nbki": _("NBKI"),
    "okb": _("OKB"),
    "scoring_bureau": _("Scoring Bureau"),
}


def bureau_name(code: str) -> str:
    return str(BUREAUS[code]) if code in BUREAUS else code


# A scoring model as the review task keeps it ("application v3 (champion)", or the method when
# no model decided), worded for the floors below scoring.
MODEL_KINDS: dict[str, Promise] = {
    "application": pgettext_lazy("scoring model", "Application"),
    "pre_collection": pgettext_lazy("scoring model", "Pre-collection"),
    "collection": pgettext_lazy("scoring model", "Collection"),
}
MODEL_STATUSES: dict[str, Promise] = {
    "candidate": _("Candidate"),
    "champion": _("Champion"),
    "challenger": _("Challenger"),
    "retired": _("Retired"),
}
METHODS: dict[str, Promise] = {
    "rules": _("rules (no model)"),
    "hard_rules": _("hard rules"),
    "unavailable": _("no decision: scoring unavailable"),
}
MODEL_LABEL = re.compile(r"(?P<kind>[a-z_]+) v(?P<version>\d+)(?: \((?P<status>[a-z_]+)\))?")


def model_label_text(stored: str) -> str:
    if stored in METHODS:
        return str(METHODS[stored])
    found = MODEL_LABEL.fullmatch(stored)
    if found is None or found["kind"] not in MODEL_KINDS:
        return stored
    text = f"{MODEL_KINDS[found['kind']]} v{found['version']}"
    if found["status"] in MODEL_STATUSES:
        text += f" ({MODEL_STATUSES[found['status']]})"
    return text


def transition_name(code: str) -> str:
    return str(TRANSITIONS[code]) if code in TRANSITIONS else code


def loan_status(code: str) -> str:
    return str(LoanStatus(code).label) if code in LoanStatus.values else code


def transition_row(
    transition: str, source: str, target: str, *, status: Callable[[str], str] = loan_status
) -> str:
    """ "Approval: In review → Approved" for a stored ("approve", "in_review", "approved")."""
    return f"{transition_name(transition)}: {status(source) or '—'} → {status(target)}"


# The reasons the code writes, as (pattern, wording); a named group is a figure kept as it is,
# or, if its name is "status", a loan status worded by its label.
REASONS: list[tuple[re.Pattern[str], Promise]] = [
    (re.compile(pattern), wording)
    for pattern, wording in (
        (r"grey zone: PD (?P<pd>[\d.]+)", _("grey zone: PD %(pd)s")),
        (r"auto-approved: PD (?P<pd>[\d.]+)", _("approved automatically: PD %(pd)s")),
        (r"scoring: approve", _("scoring: approve")),
        (r"scoring: refer", _("scoring: refer to an underwriter")),
        (r"scoring: decline", _("scoring: decline")),
        (r"scoring: test", _("scoring: test")),
        (r"scoring: (?P<why>.+)", _("scoring: %(why)s")),
        (
            r"underwriter: approved (?P<amount>.+) for (?P<days>\d+) days",
            _("underwriter: approved %(amount)s for %(days)s days"),
        ),
        (r"approved by underwriter", _("approved by an underwriter")),
        (
            r"approved by underwriter with a lower amount",
            _("approved by an underwriter for a lower amount"),
        ),
        (
            r"personal offer #(?P<offer>\d+): nothing changed for the worse",
            _("personal offer #%(offer)s: nothing changed for the worse"),
        ),
        (r"COB: a due date passed unpaid", _("close of day: a due date passed unpaid")),
        (r"payout confirmed", _("payout confirmed")),
        (r"payout failed", _("payout failed")),
        (r"payout failed; the borrower withdrew", _("payout failed; the borrower withdrew")),
        (r"offer signed", _("offer signed")),
        (r"repayment", _("repayment")),
        (r"arrears paid", _("arrears paid")),
        (r"The arrears were paid", _("arrears paid")),
        (r"Frozen by staff", _("Frozen by staff")),
        (r"A minimum payment was missed", _("A minimum payment was missed")),
        (r"prolongation", _("prolongation")),
        (r"prolonged by (?P<days>\d+) days", _("prolonged by %(days)s days")),
        (r"restructuring", _("restructuring")),
        (
            r"restructured into (?P<periods>\d+) installments",
            _("restructured into %(periods)s installments"),
        ),
        (r"overpayment refunded", _("overpayment refunded")),
        (
            r"payment held for the borrower: the loan is (?P<status>\w+)",
            _("payment held for the borrower: the loan is %(status)s"),
        ),
        (r"cancelled by the borrower", _("cancelled by the borrower")),
        (r"the borrower withdrew the application", _("the borrower withdrew the application")),
        (r"the borrower declined the offer", _("the borrower declined the offer")),
        (r"the offer expired unsigned", _("the offer expired unsigned")),
        (r"could not sign: (?P<why>.+)", _("could not sign: %(why)s")),
        (
            r"uncollectable after (?P<days>\d+) days past due",
            _("uncollectable after %(days)s days past due"),
        ),
    )
]


def reason_text(stored: str) -> str:
    """A stored reason in the reader's language; unknown text comes back as it was stored."""
    if stored in TRANSITIONS:  # a record saved by a transition names it as its reason
        return transition_name(stored)
    return worded(stored, REASONS)


def worded(stored: str, registry: list[tuple[re.Pattern[str], Promise]]) -> str:
    """The wording of the first pattern of `registry` the text matches, with its figures."""
    text = stored.strip()
    for pattern, wording in registry:
        found = pattern.fullmatch(text)
        if found is not None:
            figures = {
                name: loan_status(value) if name == "status" else value
                for name, value in found.groupdict().items()
            }
            return str(wording) % figures if figures else str(wording)
    return stored
