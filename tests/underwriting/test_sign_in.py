from django.test import override_settings

from tests.underwriting.conftest import staff

LOGIN = "/accounts/login/"


def test_staff_sign_in_lands_on_the_roles_first_page(client, db):
    staff("uw", "underwriter")
    response = client.post(LOGIN, {"username": "uw", "password": "x" * 12}, follow=True)
    assert response.redirect_chain[-1][0] == "/underwriting/"


def test_a_wrong_password_is_refused_with_a_message(client, db):
    staff("uw", "underwriter")
    response = client.post(LOGIN, {"username": "uw", "password": "nope"})
    assert response.status_code == 200 and "msg-error" in response.content.decode()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_for_the_right_password(client, db):
    staff("uw", "underwriter")
    for _ in range(3):
        client.post(LOGIN, {"username": "uw", "password": "nope"})
    response = client.post(LOGIN, {"username": "uw", "password": "x" * 12})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_lock_on_one_account_leaves_others_free(client, db):
    staff("uw", "underwriter")
    staff("uw2", "underwriter")
    for _ in range(3):
        client.post(LOGIN, {"username": "uw", "password": "nope"})
    response = client.post(LOGIN, {"username": "uw2", "password": "x" * 12})
    assert response.status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_lockout_page_says_how_long_in_words(client, db):
    staff("uw", "underwriter")
    for _ in range(3):
        client.post(LOGIN, {"username": "uw", "password": "nope"})
    body = client.post(LOGIN, {"username": "uw", "password": "x" * 12}).content.decode()
    assert "через 15 минут" in body
    assert "PT15M" not in body
