"""Staff without the admin get the app's refusal at /admin/; an unknown address gets the app's
own page (issue 20, item 8)."""

from django.test import override_settings

from tests.underwriting.conftest import staff


def test_an_underwriter_on_the_admin_gets_the_apps_refusal(client, db):
    client.force_login(staff("uw", "underwriter"))

    response = client.get("/admin/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "Эта страница не для вашей роли" in body
    assert 'name="password"' not in body


def test_an_underwriter_on_the_admin_sign_in_gets_the_refusal_too(client, db):
    client.force_login(staff("uw", "underwriter"))
    assert client.get("/admin/login/").status_code == 403


def test_an_anonymous_visitor_still_reaches_the_admin_sign_in(client, db):
    assert client.get("/admin/login/").status_code == 200


def test_an_administrator_opens_the_admin(admin_client):
    assert admin_client.get("/admin/").status_code == 200


@override_settings(DEBUG=False)
def test_an_unknown_page_answers_the_apps_own_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()
