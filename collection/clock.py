"""Times on a collector's page say their zone: the debtor's local time with its offset from
Moscow (as Russian staff speak of it, «МСК+9»), Moscow time labelled as such."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _

from loans.business_date import MOSCOW


def moscow_offset_label(zone: ZoneInfo, at: datetime) -> str:
    """«МСК», «МСК+9» or «МСК−1»: the zone's offset from Moscow time at `at`."""
    local_offset = at.astimezone(zone).utcoffset()
    moscow_offset = at.astimezone(MOSCOW).utcoffset()
    assert local_offset is not None and moscow_offset is not None
    hours = (local_offset - moscow_offset).total_seconds() / 3600
    if hours == 0:
        return _("MSK")
    sign = "+" if hours > 0 else "−"
    amount = f"{abs(hours):g}".replace(".", ",")
    return _("MSK%(sign)s%(hours)s") % {"sign": sign, "hours": amount}


@dataclass(frozen=True)
class ZonedTime:
    """A moment shown in one zone, with the zone's name."""

    moment: datetime
    zone: ZoneInfo

    @property
    def local(self) -> datetime:
        return self.moment.astimezone(self.zone)

    @property
    def label(self) -> str:
        return moscow_offset_label(self.zone, self.moment)

    def format(self, pattern: str = "H:i, D d.m") -> str:
        """The local time by a Django date pattern (weekday names translated), with its zone."""
        return f"{formats.date_format(self.local, pattern)} ({self.label})"

    def __str__(self) -> str:
        return self.format()


def debtor_time(moment: datetime, time_zone: str) -> ZonedTime:
    return ZonedTime(moment, ZoneInfo(time_zone))


def moscow_time(moment: datetime) -> ZonedTime:
    return ZonedTime(moment, MOSCOW)
