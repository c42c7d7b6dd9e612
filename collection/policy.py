"""The one answer to "may we contact this debtor on this channel now?" (230-FZ, REGULATION.md).

Everything that contacts a debtor asks `contact_allowed` first: quiet hours in the debtor's
time zone (working days vs weekends and holidays), the per-day/week/month limits (people and
robots share the call counter), bans, third-party consent, and the freeze after hand-over to
legal. Days, weeks (Monday–Sunday) and months are calendar periods in the debtor's time zone.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collection.models import (
    CaseStage,
    Channel,
    CollectionCase,
    ContactAttempt,
    ContactBan,
    ContactRule,
    ThirdPartyConsent,
)
from collection.models.contacts import CALLS, MESSAGES, SOFT_CHANNELS, UNANSWERED
from loans.models import Borrower
from loans.workdays import WorkCalendar

# How far ahead the next allowed moment is looked for (a month limit needs at most ~31 days).
SEARCH_DAYS = 62


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    next_allowed_at: datetime | None
    code: str = ""


ALLOWED = Verdict(True, "", None, "allowed")


PERIOD_NAMES = {
    "day": gettext_lazy("day"),
    "week": gettext_lazy("week"),
    "month": gettext_lazy("month"),
}


def _periods(channel: str) -> list[tuple[str, tuple[str, ...], str]]:
    """(period, channels sharing the counter, ContactRule field) for a channel."""
    if channel in CALLS:
        return [(p, CALLS, f"calls_per_{p}") for p in ("day", "week", "month")]
    if channel in MESSAGES:
        return [(p, MESSAGES, f"messages_per_{p}") for p in ("day", "week", "month")]
    if channel == Channel.VISIT:
        return [("week", (Channel.VISIT,), "visits_per_week")]
    return []


def period_start(local_day: date, period: str) -> date:
    if period == "week":
        return local_day - timedelta(days=local_day.weekday())
    if period == "month":
        return local_day.replace(day=1)
    return local_day


def period_end(local_day: date, period: str) -> date:
    """The first day after the period that holds `local_day`."""
    if period == "week":
        return period_start(local_day, "week") + timedelta(days=7)
    if period == "month":
        return (local_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return local_day + timedelta(days=1)


class Calendar:
    """Working days (the production calendar, `loans.workdays`) and the contact rules for a
    range of dates, read once."""

    def __init__(self, start: date, end: date):
        self.days = WorkCalendar(start, end)
        self.rules = list(
            ContactRule.objects.filter(valid_from__lte=end)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
            .order_by("valid_from")
        )

    def is_working(self, day: date) -> bool:
        return self.days.is_working(day)

    def rule(self, day: date) -> ContactRule | None:
        for rule in reversed(self.rules):
            if rule.valid_from <= day and (rule.valid_to is None or rule.valid_to >= day):
                return rule
        return None

    def hours(self, day: date, rule: ContactRule) -> tuple[time, time]:
        if self.is_working(day):
            return rule.weekday_from, rule.weekday_until
        return rule.holiday_from, rule.holiday_until


def rule_on(day: date) -> ContactRule | None:
    return Calendar(day, day).rule(day)


def _subject(case_or_borrower) -> tuple[Borrower, CollectionCase | None]:
    if isinstance(case_or_borrower, CollectionCase):
        return case_or_borrower.borrower, case_or_borrower
    return case_or_borrower, None


def _bans(borrower_ids: list[int], first: date, last: date) -> dict[int, list[ContactBan]]:
    """The bans in force on some day from `first` to `last`, per borrower, newest first."""
    rows = ContactBan.objects.filter(borrower_id__in=borrower_ids, valid_from__lte=last).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=first)
    )
    by_borrower: dict[int, list[ContactBan]] = {}
    for ban in rows.order_by("-valid_from", "-id"):
        by_borrower.setdefault(ban.borrower_id, []).append(ban)
    return by_borrower


def _ban_verdict(bans: list[ContactBan], day: date, zone: ZoneInfo) -> Verdict | None:
    """Of the borrower's bans (newest first), the one in force on `day` that lasts longest
    decides when contact is possible again."""
    current = [b for b in bans if b.valid_from <= day and (b.valid_to is None or b.valid_to >= day)]
    endless = [b for b in current if b.valid_to is None]
    ban = endless[0] if endless else max(current, key=lambda b: b.valid_to, default=None)
    if ban is None:
        return None
    until = None
    if ban.valid_to is not None:
        until = datetime.combine(ban.valid_to + timedelta(days=1), time(0), tzinfo=zone)
    return Verdict(
        False,
        _("Contact is forbidden: %(ban)s (%(document)s)")
        % {"ban": ban.get_kind_display(), "document": ban.document},
        until,
        f"ban_{ban.kind}",
    )


def _in_legal(borrower: Borrower, case: CollectionCase | None) -> bool:
    if case is not None:
        return case.stage == CaseStage.LEGAL
    return CollectionCase.objects.filter(borrower=borrower, stage=CaseStage.LEGAL).exists()


def _consent_verdict(borrower: Borrower, consent: ThirdPartyConsent, day: date) -> Verdict | None:
    if consent.borrower_id != borrower.pk or consent.signed_on > day:
        return Verdict(
            False,
            _("Third parties may be contacted only with the debtor's written consent"),
            None,
            "no_third_party_consent",
        )
    if consent.objected_on is not None and consent.objected_on <= day:
        return Verdict(
            False, _("The third party objected to being contacted"), None, "third_party_objected"
        )
    return None


def contact_allowed(
    *,
    case_or_borrower: CollectionCase | Borrower,
    channel: str,
    at: datetime,
    third_party: ThirdPartyConsent | None = None,
) -> Verdict:
    """May this debtor be contacted on `channel` at `at`? If not, why, and from when."""
    if channel == Channel.INCOMING_CALL:
        return ALLOWED
    borrower, case = _subject(case_or_borrower)
    zone = ZoneInfo(borrower.time_zone)
    day = at.astimezone(zone).date()
    calendar = Calendar(period_start(day, "week") - timedelta(days=7), day + timedelta(SEARCH_DAYS))
    return _verdict(
        borrower=borrower,
        channel=channel,
        at=at,
        bans=_bans([borrower.pk], day, day).get(borrower.pk, []),
        in_legal=_in_legal(borrower, case),
        calendar=calendar,
        moments=_counter_moments([borrower.pk], channel, day, calendar.rule(day)).get(
            borrower.pk, []
        ),
        third_party=third_party,
    )


def contacts_allowed(
    *, cases: list[CollectionCase], channel: str, at: datetime
) -> dict[int, Verdict]:
    """`contact_allowed` for many cases at once (a worklist), in a fixed number of queries:
    the same verdict, case by case, as asking one at a time."""
    if not cases:
        return {}
    days = {case.pk: at.astimezone(ZoneInfo(case.borrower.time_zone)).date() for case in cases}
    first, last = min(days.values()), max(days.values())
    calendar = Calendar(
        period_start(first, "week") - timedelta(days=7), last + timedelta(SEARCH_DAYS)
    )
    borrower_ids = sorted({case.borrower_id for case in cases})
    bans = _bans(borrower_ids, first, last)
    moments = _counter_moments(borrower_ids, channel, first, calendar.rule(first))
    return {
        case.pk: ALLOWED
        if channel == Channel.INCOMING_CALL
        else _verdict(
            borrower=case.borrower,
            channel=channel,
            at=at,
            bans=bans.get(case.borrower_id, []),
            in_legal=case.stage == CaseStage.LEGAL,
            calendar=calendar,
            moments=moments.get(case.borrower_id, []),
        )
        for case in cases
    }


def _verdict(
    *,
    borrower: Borrower,
    channel: str,
    at: datetime,
    bans: list[ContactBan],
    in_legal: bool,
    calendar: "Calendar",
    moments: list[datetime],
    third_party: ThirdPartyConsent | None = None,
) -> Verdict:
    """The rules in their order, on what was read for this debtor."""
    zone = ZoneInfo(borrower.time_zone)
    local = at.astimezone(zone)
    day = local.date()
    banned = _ban_verdict(bans, day, zone)
    if banned is not None:
        return banned
    if channel in SOFT_CHANNELS and in_legal:
        return Verdict(
            False,
            _("The debt was handed over to legal collection: only letters are allowed"),
            None,
            "handed_over_to_legal",
        )
    if third_party is not None:
        refused = _consent_verdict(borrower, third_party, day)
        if refused is not None:
            return refused
    counted = _counted_days(moments, day, zone)
    first = _first_problem(channel, local, calendar, counted)
    if first is None:
        return ALLOWED
    code, reason, candidate = first
    for _step in range(SEARCH_DAYS * 3):
        problem = _first_problem(channel, candidate, calendar, counted)
        if problem is None:
            return Verdict(False, reason, candidate, code)
        candidate = problem[2]
    return Verdict(False, reason, None, code)


def _counter_moments(
    borrower_ids: list[int], channel: str, day: date, rule: ContactRule | None
) -> dict[int, list[datetime]]:
    """The moments of earlier contacts on the channel's counter, per borrower, from a day
    before the earliest period that holds `day` (time zones differ by less than a day)."""
    periods = _periods(channel)
    if not periods:
        return {}
    counter = periods[0][1]
    since = min(period_start(day, "week"), period_start(day, "month")) - timedelta(days=1)
    attempts = ContactAttempt.objects.filter(
        borrower_id__in=borrower_ids,
        channel__in=counter,
        at__gte=datetime.combine(since, time(0), tzinfo=ZoneInfo("UTC")),
    )
    if channel in CALLS and rule is not None and not rule.count_unanswered_calls:
        attempts = attempts.exclude(outcome__in=UNANSWERED)
    moments: dict[int, list[datetime]] = {}
    for borrower_id, moment in attempts.values_list("borrower_id", "at"):
        moments.setdefault(borrower_id, []).append(moment)
    return moments


def _counted_days(moments: list[datetime], day: date, zone: ZoneInfo) -> list[date]:
    """The local dates of the contacts that count, back to the earliest period that holds
    `day` in the debtor's zone."""
    since = min(period_start(day, "week"), period_start(day, "month"))
    local_days = [moment.astimezone(zone).date() for moment in moments]
    return [d for d in local_days if d >= since]


def _first_problem(
    channel: str, local: datetime, calendar: Calendar, counted: list[date]
) -> tuple[str, str, datetime] | None:
    """The first rule `local` breaks: (code, reason, the earliest moment worth trying next)."""
    zone = local.tzinfo
    day = local.date()
    rule = calendar.rule(day)
    if rule is None:
        return (
            "no_rules",
            _("No contact rules are configured for this date"),
            _midnight(day, 1, zone),
        )
    if channel != Channel.LETTER:
        start, end = calendar.hours(day, rule)
        if local.time() < start:
            return ("quiet_hours", _quiet_reason(start, end, local), _at(day, start, zone))
        if local.time() >= end:
            return ("quiet_hours", _quiet_reason(start, end, local), _midnight(day, 1, zone))
    for period, _counter, field in _periods(channel):
        limit = getattr(rule, field)
        first, after = period_start(day, period), period_end(day, period)
        used = sum(1 for d in counted if first <= d < after)
        if used >= limit:
            return (
                f"{field}_limit",
                _("The limit of %(limit)s per %(period)s is used up (%(used)s so far)")
                % {"limit": limit, "period": PERIOD_NAMES[period], "used": used},
                datetime.combine(after, time(0), tzinfo=zone),
            )
    return None


def _quiet_reason(start: time, end: time, local: datetime) -> str:
    return _(
        "Outside the allowed hours %(start)s–%(end)s in the debtor’s time zone (%(now)s there)"
    ) % {
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "now": formats.date_format(local, "D H:i"),
    }


def _at(day: date, moment: time, zone) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)


def _midnight(day: date, plus_days: int, zone) -> datetime:
    return datetime.combine(day + timedelta(days=plus_days), time(0), tzinfo=zone)


@dataclass(frozen=True)
class Budget:
    period: str
    limit: int
    used: int

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)


def contact_budget(*, borrower: Borrower, channel: str, at: datetime) -> list[Budget]:
    """What the channel's counter still allows today, this week and this month."""
    zone = ZoneInfo(borrower.time_zone)
    day = at.astimezone(zone).date()
    rule = rule_on(day)
    if rule is None:
        return []
    moments = _counter_moments([borrower.pk], channel, day, rule).get(borrower.pk, [])
    counted = _counted_days(moments, day, zone)
    return [
        Budget(
            period,
            getattr(rule, field),
            sum(1 for d in counted if period_start(day, period) <= d < period_end(day, period)),
        )
        for period, _counter, field in _periods(channel)
    ]
