import time
from base64 import b32encode

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from zaymer.models import SecurityPolicy

RFC_KEY = b"12345678901234567890"


def test_hotp_and_totp_match_the_rfc_test_vectors():
    assert hotp(RFC_KEY, 0) == 755224  # RFC 4226, appendix D
    totp = TOTP(RFC_KEY)
    totp.time = 59
    assert totp.token() == 287082  # RFC 6238, T = 59
    assert totp.verify(287082, tolerance=1)
    totp.time = 59 + 95
    assert not totp.verify(287082, tolerance=1)


def admin_user(client):
    user = User.objects.create_superuser("boss", password="x" * 12)
    client.force_login(user)
    return user


def require_totp():
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"require_admin_totp": True})


def current_code(device: TOTPDevice, now: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() if now is None else now
    return f"{totp.token():06d}"


def secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


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
    device = TOTPDevice.objects.get(user=user)
    assert secret(device) in page  # enrolment shows the key once, before confirmation
    code = current_code(device)
    response = client.post("/accounts/second-factor/", {"code": code, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert secret(device) not in client.get("/accounts/second-factor/").content.decode()
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


def test_wrong_codes_count_across_a_fresh_sign_in_and_lock_the_device(client, db):
    user = admin_user(client)
    require_totp()
    client.get("/accounts/second-factor/")
    for _ in range(4):
        client.post("/accounts/second-factor/", {"code": "000000"})
    client.logout()
    client.force_login(user)  # a new session brings no new guesses
    response = client.post("/accounts/second-factor/", {"code": "000000"})
    assert response["Location"] == "/accounts/login/"
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 5
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/accounts/second-factor/", {"code": current_code(device)})
    assert response["Location"] == "/accounts/login/"  # locked: even a right code is refused
    assert client.get("/admin/").status_code == 302


def test_a_right_code_clears_the_count_of_wrong_ones(client, db):
    user = admin_user(client)
    require_totp()
    client.get("/accounts/second-factor/")
    for _ in range(3):
        client.post("/accounts/second-factor/", {"code": "000000"})
    device = TOTPDevice.objects.get(user=user)
    client.post("/accounts/second-factor/", {"code": current_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_deleting_the_device_makes_the_user_enrol_again(client, db):
    user = admin_user(client)
    require_totp()
    client.get("/accounts/second-factor/")
    first = TOTPDevice.objects.get(user=user)
    client.post("/accounts/second-factor/", {"code": current_code(first)})
    first.delete()
    client.logout()
    client.force_login(user)
    page = client.get("/accounts/second-factor/").content.decode()
    second = TOTPDevice.objects.get(user=user)
    assert second.key != first.key and not second.confirmed and secret(second) in page


def test_next_cannot_send_the_user_off_site(client, db):
    user = admin_user(client)
    require_totp()
    client.get("/accounts/second-factor/")
    device = TOTPDevice.objects.get(user=user)
    code = current_code(device, time.time())
    response = client.post(
        "/accounts/second-factor/", {"code": code, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"


def test_the_admin_lists_devices_without_their_keys(client, db):
    user = admin_user(client)
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page and secret(device) not in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_old_devices_to_django_otp():
    executor = MigrationExecutor(connection)
    executor.migrate([("zaymer", "0002_dashboard_snapshot")])
    old_apps = executor.loader.project_state([("zaymer", "0002_dashboard_snapshot")]).apps
    user = User.objects.create_user("old-enrolled", password="x" * 12)
    old_secret = b32encode(RFC_KEY).decode()
    old_apps.get_model("zaymer", "TotpDevice").objects.create(
        user_id=user.pk, secret=old_secret, confirmed_at="2026-11-30T10:00:00Z", last_step=42
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    device = TOTPDevice.objects.get(user=user)
    assert device.bin_key == RFC_KEY and device.confirmed and device.last_t == 42
    assert "zaymer_totpdevice" not in connection.introspection.table_names()
