"""django-q2 task functions of feedback; each calls the services for one business date."""

from datetime import date, timedelta

from feedback import services
from loans.business_date import current_business_date


def run_daily(on: date | None = None) -> str:
    """After COB of a day (by default the one just closed): surveys for the loans repaid that
    day, then the day's offers."""
    on = on or current_business_date() - timedelta(days=1)
    surveys = services.surveys_offer(on=on)
    offers = services.offers_daily(on=on)
    return f"{on}: {surveys} survey(s) offered, {offers} offer(s) made"
