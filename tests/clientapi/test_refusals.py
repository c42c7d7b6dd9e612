"""The borrower API's services refuse with domain errors; the API gives each its status."""

import pytest

from clientapi.errors import refusal_status
from clientapi.models import ClientAccount
from clientapi.refusals import ProfileRequired, SigningCodesLimited, SigningPaused
from clientapi.services import applications
from kernel.errors import DomainError


def test_applying_without_a_profile_is_refused_with_a_domain_error(db):
    account = ClientAccount.objects.create(phone="+79000000001")

    with pytest.raises(ProfileRequired) as refusal:
        applications.application_preflight(account=account, destination_id=1)

    assert isinstance(refusal.value, DomainError)
    assert refusal.value.code == "profile_required"


@pytest.mark.parametrize(
    ("refusal", "http"),
    [
        (ProfileRequired("no profile"), 422),
        (SigningPaused("paused", retry_after=60), 423),
        (SigningCodesLimited("too many", retry_after=60), 429),
        (DomainError("Unknown region", code="invalid", field="region"), 400),
        (DomainError("scoring fell over", code="application_not_decided"), 503),
    ],
)
def test_each_refusal_answers_the_status_of_its_code_or_class(refusal, http):
    assert refusal_status(refusal) == http
