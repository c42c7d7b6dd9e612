import datetime as dt

from django.test import TestCase

from collection.models import CollectionCase, CollectionDay
from feedback.models import Survey
from loans.models import CobRun
from tests.loans.helpers import issued, repay
from zaymer.tasks import run_cob


def test_the_nightly_task_closes_each_day_then_runs_collection_and_surveys(business_date, settings):
    late, repaid = issued(on=business_date, term_days=5), issued(on=business_date)
    with TestCase.captureOnCommitCallbacks(execute=True):
        repay(repaid, 1_000_000)
    closed = run_cob().split(", ")
    days = CobRun.objects.count()
    assert len(closed) == days > 0
    assert CollectionDay.objects.count() == days
    assert CollectionCase.objects.filter(loan=late).exists()
    assert Survey.objects.filter(loan=repaid).exists()
    assert dt.date.fromisoformat(closed[0]) == business_date


def test_the_nightly_command_runs_the_same_task(business_date, capsys):
    from django.core.management import call_command

    call_command("nightly")
    assert capsys.readouterr().out.startswith("closed: 2026-11-02")
