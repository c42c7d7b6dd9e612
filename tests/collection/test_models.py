"""The pre-collection and collection models: trained from the book, gated, used with the
rules as the fallback."""

import datetime as dt
import math

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from collection import services
from collection.cob import step_close_cases
from collection.learning import CATEGORICAL, NUMERIC, collection_dataset
from collection.models import Strategy
from collection.prediction import choose_strategy, lateness_probabilities, loan_facts
from loans import services as loan_services
from loans.models import Loan
from scoring import registry
from scoring.datasets import TrainingDataError
from scoring.inference import CompiledModel
from scoring.models import ModelKind, ModelVersion
from scoring.precollection import FEATURES, pre_collection_dataset
from tests.collection.conftest import DUE, ISSUED, msk, overdue_loan, overdue_loans
from tests.factories import BorrowerFactory
from tests.loans.helpers import issued, open_day
from tests.scoring.conftest import register, staff

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _artifacts(settings, tmp_path):
    settings.SCORING_ARTIFACTS_DIR = tmp_path / "artifacts"
    registry.forget_loaded_models()
    yield
    registry.forget_loaded_models()


@pytest.fixture
def risk_manager(db):
    return staff("risk1", "risk_manager")


def _repay(loan: Loan) -> None:
    loan.refresh_from_db()
    loan_services.loan_repay(
        loan=loan,
        amount_kop=loan_services.repayment_quote_kop(loan=loan),
        provider="sbx",
        event_id=f"p{loan.pk}-{loan.status}",
    )


def _cohorts(*, count: int, paid: int, late: int) -> list[list[Loan]]:
    """`count` cohorts of 30-day PDLs issued a week apart: in each, `paid` repaid two days
    before the due date and `late` never; the book is closed until after the last due date."""
    events = []
    for k in range(count):
        issue_day = ISSUED + dt.timedelta(days=7 * k)
        events += [(issue_day, "issue", k), (issue_day + dt.timedelta(days=28), "repay", k)]
    cohorts: dict[int, list[Loan]] = {}
    for day, what, k in sorted(events):
        if cohorts:
            open_day(day)
        if what == "issue":
            first = {"on": day} if not cohorts else {}
            cohorts[k] = [
                issued(borrower=BorrowerFactory(), amount_kop=500_000 + 50_000 * i, **first)
                for i in range(paid + late)
            ]
        else:
            for loan in cohorts[k][:paid]:
                _repay(loan)
    open_day(_due(cohorts[count - 1][0]) + 2 * DAY)
    return [cohorts[k] for k in range(count)]


def _due(loan: Loan) -> dt.date:
    return loan.schedule_items.get(version=1).due_date


def _model(kind, *, numeric, categorical=(), category_weights=None, intercept=0.0):
    return CompiledModel(
        numeric=list(numeric),
        fill=np.zeros(len(numeric)),
        weight=np.zeros(len(numeric)),
        mean=np.zeros(len(numeric)),
        intercept=intercept,
        categorical=list(categorical),
        category_weights=category_weights or [{} for _ in categorical],
        category_baseline=np.zeros(len(categorical)),
        meta={"algorithm": "test", "sklearn": "-"},
    )


def _champion(kind, model, by):
    version = register(model, kind=kind)
    call_command("promote_model", kind=kind, id=version.pk, by=by.get_username())
    return version


def test_pre_collection_rows_are_due_dates_seen_days_before_them_with_their_outcome(db):
    first, second = _cohorts(count=2, paid=2, late=1)
    young = issued(borrower=BorrowerFactory())
    on = _due(second[0]) + 2 * DAY

    dataset = pre_collection_dataset(on=on)

    assert dataset.y.tolist() == [0, 0, 1, 0, 0, 1]
    assert dataset.time_from == _due(first[0]) - dt.timedelta(days=3)
    assert dataset.notes["immature_excluded"] == 1  # the young loan: its due date is to come
    assert _due(young) > on


def test_a_loan_repaid_after_missing_its_due_date_is_still_a_late_row(db):
    [cohort] = _cohorts(count=1, paid=0, late=2)
    _repay(cohort[0])  # after the due date it missed

    dataset = pre_collection_dataset(on=_due(cohort[0]) + 3 * DAY)

    assert dataset.y.tolist() == [1, 1]


def test_the_pre_collection_kind_trains_on_the_book_and_is_gated(db, risk_manager):
    _cohorts(count=4, paid=3, late=2)

    call_command("train_scoring_model", kind="pre_collection")
    candidate = ModelVersion.objects.get(kind=ModelKind.PRE_COLLECTION)
    assert set(candidate.features) <= set(FEATURES)
    assert candidate.metrics["data"]["immature_excluded"] == 0

    with pytest.raises(CommandError, match="holdout_rows is 5, the threshold is ≥ 100"):
        call_command("promote_model", kind="pre_collection", id=candidate.pk, by="risk1")
    loans = list(loan_facts(Loan.objects.all()))
    assert lateness_probabilities(loans)[1] == "rules"


def test_a_pre_collection_champion_chooses_who_gets_reminders(db, risk_manager):
    version = _champion(
        ModelKind.PRE_COLLECTION, _model("pre", numeric=FEATURES, intercept=0.4), risk_manager
    )
    loan = issued(on=ISSUED, borrower=BorrowerFactory())

    probabilities, method = lateness_probabilities(
        list(loan_facts(Loan.objects.filter(pk=loan.pk)))
    )

    assert method == f"pre_collection v{version.version}"
    assert probabilities == [pytest.approx(1 / (1 + math.exp(-0.4)))]


def test_collection_rows_are_cases_as_opened_with_recovery_within_30_days(db):
    recovered, unrecovered = overdue_loans(2)
    opened_on = DUE + 3 * DAY
    for loan in (recovered, unrecovered):
        services.case_open(debt=loan, on=opened_on)
    _repay(recovered)
    step_close_cases(opened_on + 5 * DAY, msk(2026, 12, 10, 1))

    with pytest.raises(TrainingDataError, match="2 younger"):
        collection_dataset(on=opened_on + 30 * DAY)
    dataset = collection_dataset(on=opened_on + 31 * DAY)

    assert dataset.y.tolist() == [0, 1]
    assert dataset.features == [*NUMERIC, *CATEGORICAL]
    assert dataset.x_cat[:, 0].tolist() == [Strategy.REMIND, Strategy.REMIND]
    assert dataset.x_num[0, 0] == 3  # days past due when the case opened


def test_a_collection_model_with_inputs_the_builder_lacks_cannot_become_champion(db, risk_manager):
    foreign = register(_model("c", numeric=("max_dpd",)), kind=ModelKind.COLLECTION)
    with pytest.raises(CommandError, match="not produced by the collection feature builder"):
        call_command("promote_model", kind="collection", id=foreign.pk, by="risk1")


METHOD_LOG_ODDS = {Strategy.REMIND: 2.0, Strategy.NEGOTIATE: 0.0, Strategy.RESTRUCTURE: -1.0}


def _collection_champion(by):
    model = _model(
        "c", numeric=NUMERIC, categorical=CATEGORICAL, category_weights=[METHOD_LOG_ODDS]
    )
    return _champion(ModelKind.COLLECTION, model, by)


def test_the_strategy_picks_the_method_with_the_best_recovery_net_of_cost(db, risk_manager):
    version = _collection_champion(risk_manager)
    loan = overdue_loan(days=3)

    case = services.case_open(debt=loan, on=DUE + 3 * DAY)

    # At 3 days overdue only reminders and calls are open; calls recover 50 %, reminders 12 %.
    assert case.strategy == Strategy.NEGOTIATE
    assert case.recovery_probability == pytest.approx(0.5)
    assert case.priority_kop == round(0.5 * case.debt_kop)
    assert case.strategy_reason.startswith(f"collection v{version.version}: recovery 50%")
    assert "the best of reminders, calls" in case.strategy_reason


def test_a_restructuring_is_chosen_once_it_is_open_and_pays_best(db, risk_manager):
    _collection_champion(risk_manager)
    loan = overdue_loan(days=40)

    choice = choose_strategy(loan_facts(Loan.objects.filter(pk=loan.pk)).get())

    assert choice.strategy == Strategy.RESTRUCTURE
    assert choice.recovery_probability == pytest.approx(1 - 1 / (1 + math.exp(1.0)))


def test_without_a_collection_champion_the_rules_choose(db, risk_manager):
    version = _collection_champion(risk_manager)
    call_command("retire_model", id=version.pk, by="risk1", reason="test")
    loan = overdue_loan(days=3)

    case = services.case_open(debt=loan, on=DUE + 3 * DAY)

    assert case.strategy_reason.startswith("rules: ")
    assert case.strategy == Strategy.REMIND


def test_a_collection_champion_whose_artifact_was_changed_leaves_the_choice_to_the_rules(
    db, risk_manager
):
    version = _collection_champion(risk_manager)
    (registry.artifacts_dir() / version.artifact_path).write_bytes(b"changed")
    registry.forget_loaded_models()
    loan = overdue_loan(days=3)

    case = services.case_open(debt=loan, on=DUE + 3 * DAY)

    assert case.strategy_reason.startswith("rules: ")
