import time

from django.contrib.auth.models import User

from zaymer import totp
from zaymer.models import SecurityPolicy, TotpDevice

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # b"12345678901234567890"


def test_hotp_and_totp_match_the_rfc_test_vectors():
    assert totp.hotp(RFC_SECRET, 0) == "755224"  # RFC 4226, appendix D
    assert totp.hotp(RFC_SECRET, totp.current_step(59)) == "287082"  # RFC 6238, T = 59
    assert totp.matching_step(RFC_SECRET, "287082", now=59) == 1
    assert totp.matching_step(RFC_SECRET, "287082", now=59 + 95) is None


def admin_user(client):
    user = User.objects.create_superuser("boss", password="x" * 12)
    client.force_login(user)
    return user


def require_totp():
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"require_admin_totp": True})


def test_the_admin_opens_without_a_code_until_the_policy_asks(client, db):
    admin_user(client)
    assert client.get("/admin/").status_code == 200


def test_when_required_the_admin_asks_for_a_code_first(client, db):
    admin_user(client)
    require_totp()
    response = client.get("/admin/loans/loan/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/?next=%2Fadmin%2Floans%2Floan%2F"


def test_a_right_code_opens_the_admin_and_cannot_be_used_twice(client, db):
    user = admin_user(client)
    require_totp()
    page = client.get("/accounts/second-factor/").content.decode()
    device = TotpDevice.objects.get(user=user)
    assert device.secret in page  # enrolment shows the key once, before confirmation
    code = totp.hotp(device.secret, totp.current_step())
    response = client.post("/accounts/second-factor/", {"code": code, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.force_login(user)
    response = client.post("/accounts/second-factor/", {"code": code})
    assert response.status_code == 200 and "msg-error" in response.content.decode()


def test_a_wrong_code_is_refused_and_five_end_the_session(client, db):
    admin_user(client)
    require_totp()
    client.get("/accounts/second-factor/")
    for _ in range(4):
        response = client.post("/accounts/second-factor/", {"code": "000000"})
        assert response.status_code == 200
    response = client.post("/accounts/second-factor/", {"code": "000000"})
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_next_cannot_send_the_user_off_site(client, db):
    user = admin_user(client)
    require_totp()
    client.get("/accounts/second-factor/")
    device = TotpDevice.objects.get(user=user)
    code = totp.hotp(device.secret, totp.current_step(time.time()))
    response = client.post(
        "/accounts/second-factor/", {"code": code, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"
