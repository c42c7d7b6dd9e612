"""The second factor for the admin site: enrolment, verification, and the gate in front of it.

The authenticator is django-otp's TOTP device (RFC 6238, 6 digits, 30 s, one step of drift
either way; a code works once). A wrong code counts on the device, in the database, so a new
sign-in does not bring new guesses: `ADMIN_TOTP_MAX_FAILURES` wrong codes in a row lock the
device for `ADMIN_TOTP_LOCK_MINUTES` and end the session; a right code clears the count.
Deleting a user's device in the admin makes them enrol again.
"""

import enum
import logging
from base64 import b32encode
from datetime import timedelta

import django_otp
from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from zaymer.models import SecurityPolicy

log = logging.getLogger("zaymer.security")
DEVICE_NAME = "authenticator"


class Verdict(enum.Enum):
    PASSED = "passed"
    WRONG = "wrong"
    LOCKED = "locked"


def totp_device_for(*, user) -> TOTPDevice:
    """The user's authenticator; a new, unconfirmed one (to enrol) when they have none."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it (base32)."""
    return b32encode(device.bin_key).decode("ascii")


def locked_until(device: TOTPDevice):
    """When the lock of a device with too many wrong codes ends; None if it is not locked."""
    last = device.throttling_failure_timestamp
    if device.throttling_failure_count < settings.ADMIN_TOTP_MAX_FAILURES or last is None:
        return None
    until = last + timedelta(minutes=settings.ADMIN_TOTP_LOCK_MINUTES)
    return until if timezone.now() < until else None


@transaction.atomic
def totp_verify(*, user, code: str) -> tuple[Verdict, TOTPDevice | None]:
    """A code for the user's device: once per valid code; wrong ones count on the device."""
    device = (
        TOTPDevice.objects.select_for_update().filter(user=user).order_by("-confirmed", "pk")
    ).first()
    if device is None:
        return Verdict.WRONG, None
    if locked_until(device):
        log.warning("second factor locked", extra={"fields": {"user_id": user.pk}})
        return Verdict.LOCKED, device
    if device.verify_token(code.strip().replace(" ", "")):
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        return Verdict.PASSED, device
    log.warning(
        "second factor refused",
        extra={"fields": {"user_id": user.pk, "failures": device.throttling_failure_count}},
    )
    return (Verdict.LOCKED if locked_until(device) else Verdict.WRONG), device


def second_factor_passed(request, *, code: str) -> Verdict:
    """Check a code for the signed-in user; a locked device ends the session."""
    verdict, device = totp_verify(user=request.user, code=code)
    if verdict is Verdict.PASSED:
        django_otp.login(request, device)
    elif verdict is Verdict.LOCKED:
        logout(request)
    return verdict


# The desk's servicing pages move money as the admin's actions do, so the same code guards them.
SERVICING_PATH = "/desk/servicing/"


class AdminSecondFactorMiddleware:
    """The gate in front of the admin site and the desk's servicing pages. Signed-in staff
    without the admin (underwriters, collectors) get the app's refusal on the admin, not
    Django's admin sign-in asking for another account; when the policy asks for it, the others
    pass only after a one-time code (django-otp's `OTPMiddleware`, before this one, says
    whether the session has passed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        admin = request.path.startswith("/admin/")
        servicing = request.path.startswith(SERVICING_PATH)
        if not (admin or servicing) or user is None or not user.is_authenticated:
            return self.get_response(request)
        staff = user.is_active and user.is_staff
        if admin and not staff and not request.path.startswith("/admin/logout/"):
            raise PermissionDenied
        if not user.is_verified() and SecurityPolicy.current().require_admin_totp:
            return redirect(f"{reverse('second-factor')}?{urlencode({'next': request.path})}")
        return self.get_response(request)
