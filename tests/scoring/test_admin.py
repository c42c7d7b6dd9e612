from django.urls import reverse

from tests.factories import BorrowerFactory, applied_loan
from tests.scoring.conftest import clean_bureau
from zaymer.pipeline import score_and_route


def test_a_decision_shows_its_features_and_facts_but_not_the_bureau_vector(
    business_date, champion_at, admin_client
):
    champion_at(0.05)
    result = score_and_route(loan_id=applied_loan(borrower=clean_bureau(BorrowerFactory())).pk)

    changelist = admin_client.get(reverse("admin:scoring_scoreresult_changelist"))
    page = admin_client.get(reverse("admin:scoring_scoreresult_change", args=[result.pk]))

    assert changelist.status_code == page.status_code == 200
    body = page.content.decode()
    assert "&#x27;max_dpd&#x27;: 0" in body and "&#x27;segment&#x27;: &#x27;new&#x27;" in body
    assert "bureau_attributes" not in body
