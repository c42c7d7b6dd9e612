import pytest
from django.utils import translation

from kernel.roles import ADMINISTRATOR, COLLECTOR, RISK_MANAGER, UNDERWRITER
from tests.collection.conftest import staff


@pytest.fixture(autouse=True)
def _pages_in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def administrator(db):
    return staff("adm1", ADMINISTRATOR)


@pytest.fixture
def collector(db):
    return staff("col1", COLLECTOR)


@pytest.fixture
def underwriter(db):
    return staff("uw1", UNDERWRITER)


@pytest.fixture
def risk_manager(db):
    return staff("risk1", RISK_MANAGER)


@pytest.fixture
def outsider(db):
    """Signed in, with no staff role."""
    return staff("nobody")


@pytest.fixture
def client(client):
    """Pages in English, as the tests read them (the site's default is Russian)."""
    client.cookies["django_language"] = "en"
    return client
