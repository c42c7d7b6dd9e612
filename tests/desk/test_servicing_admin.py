"""The four-eyes threshold is set in the admin, in roubles, and the policy row stays."""

import pytest
from django.contrib.auth.models import User

from desk.models import ServicingAction, ServicingPolicy


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="x" * 12)


def test_an_administrator_sets_the_threshold_in_roubles(client, superuser):
    ServicingPolicy.current()
    client.force_login(superuser)
    response = client.post("/admin/desk/servicingpolicy/1/change/", {"threshold_rub": "12345.67"})
    assert response.status_code == 302
    assert ServicingPolicy.current().payment_four_eyes_above_kop == 1_234_567


def test_a_negative_threshold_is_refused_in_the_form(client, superuser):
    ServicingPolicy.current()
    client.force_login(superuser)
    response = client.post("/admin/desk/servicingpolicy/1/change/", {"threshold_rub": "-1"})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert ServicingPolicy.current().payment_four_eyes_above_kop == 5_000_000


def test_the_policy_cannot_be_deleted(client, superuser):
    ServicingPolicy.current()
    client.force_login(superuser)
    assert client.post("/admin/desk/servicingpolicy/1/delete/", {"post": "yes"}).status_code == 403
    assert ServicingPolicy.objects.exists()


def test_the_servicing_actions_are_read_only_in_the_admin(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/desk/servicingaction/").status_code == 200
    assert client.get("/admin/desk/servicingaction/add/").status_code == 403
    assert not ServicingAction.objects.exists()
