import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.request_memo import request_scope
from loans.business_date import current_business_date, set_business_date
from loans.regulation import limits_for_contract


def _reads(table: str, queries) -> int:
    return sum(f'FROM "{table}"' in q["sql"] for q in queries.captured_queries)


def test_a_request_reads_the_business_date_once(business_date):
    with request_scope(), CaptureQueriesContext(connection) as queries:
        assert current_business_date() == business_date
        assert current_business_date() == business_date
    assert _reads("loans_businessdate", queries) == 1


def test_outside_a_request_every_call_reads_the_business_date(business_date):
    with CaptureQueriesContext(connection) as queries:
        current_business_date()
        current_business_date()
    assert _reads("loans_businessdate", queries) == 2


def test_a_request_that_moves_the_business_date_sees_the_new_one(business_date):
    later = business_date + dt.timedelta(days=3)
    with request_scope():
        current_business_date()
        set_business_date(on=later)
        assert current_business_date() == later


def test_the_memo_ends_with_the_request(business_date):
    with request_scope():
        current_business_date()
    set_business_date(on=business_date + dt.timedelta(days=1))
    with request_scope():
        assert current_business_date() == business_date + dt.timedelta(days=1)


def test_a_request_reads_the_regulation_once_per_date_and_market_once_per_category(
    business_date,
):
    with request_scope(), CaptureQueriesContext(connection) as queries:
        first = limits_for_contract(signed_on=business_date, category="pdl")
        again = limits_for_contract(signed_on=business_date, category="pdl")
        without_market = limits_for_contract(signed_on=business_date)
    assert first == again
    assert without_market.row == first.row
    assert _reads("loans_regulationlimit", queries) == 1
    assert _reads("loans_marketaveragepsk", queries) <= 1


def test_cob_moves_the_date_a_request_remembered(business_date):
    from loans.cob import close_next_day

    with request_scope():
        assert current_business_date() == business_date
        close_next_day(until=business_date)
        assert current_business_date() == business_date + dt.timedelta(days=1)
