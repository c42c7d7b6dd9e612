"""The second factor for the admin site: enrolment, verification, and the gate in front of it."""

import logging

from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from zaymer import totp
from zaymer.models import SecurityPolicy, TotpDevice

log = logging.getLogger("zaymer.security")
SESSION_KEY = "second_factor_ok"
MAX_FAILURES = 5


def totp_device_for(*, user) -> TotpDevice:
    device, _ = TotpDevice.objects.get_or_create(user=user, defaults={"secret": totp.new_secret()})
    return device


@transaction.atomic
def totp_verify(*, user, code: str) -> bool:
    """True once per valid code: a code already used (or an older one) is refused."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    step = totp.matching_step(device.secret, code) if device else None
    if step is None or step <= device.last_step:
        log.warning("second factor refused", extra={"fields": {"user_id": user.pk}})
        return False
    device.last_step = step
    device.confirmed_at = device.confirmed_at or timezone.now()
    device.save(update_fields=["last_step", "confirmed_at"])
    return True


def second_factor_passed(request, *, code: str) -> bool:
    """Check a code for the signed-in user; too many failures end the session."""
    if totp_verify(user=request.user, code=code):
        request.session[SESSION_KEY] = True
        request.session.pop("second_factor_failures", None)
        return True
    failures = request.session.get("second_factor_failures", 0) + 1
    request.session["second_factor_failures"] = failures
    if failures >= MAX_FAILURES:
        logout(request)
    return False


class AdminSecondFactorMiddleware:
    """When the policy asks for it, the admin site opens only after a one-time code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith("/admin/")
            and user is not None
            and user.is_authenticated
            and not request.session.get(SESSION_KEY)
            and SecurityPolicy.current().require_admin_totp
        ):
            return redirect(f"{reverse('second-factor')}?{urlencode({'next': request.path})}")
        return self.get_response(request)
