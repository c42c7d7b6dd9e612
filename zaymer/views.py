"""Staff entry: the home page sends each role to its first page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from zaymer.navigation import staff_pages
from zaymer.security import (
    Verdict,
    locked_until,
    second_factor_passed,
    totp_device_for,
    totp_secret,
)


@login_required
def home(request):
    pages = staff_pages(request.user)
    if pages:
        return redirect(pages[0][0])
    return render(request, "staff/no_pages.html", status=403)


@login_required
def second_factor(request):
    device = totp_device_for(user=request.user)
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    if request.method == "POST":
        verdict = second_factor_passed(request, code=request.POST.get("code", ""))
        if verdict is Verdict.PASSED:
            return redirect(target)
        if verdict is Verdict.LOCKED:
            messages.error(request, _locked_message())
            return redirect("login")
        messages.error(request, _("The code is wrong or already used. Try the next one."))
    elif locked_until(device):
        messages.error(request, _locked_message())
    context = {"next": target, "enrolled": device.confirmed}
    if not device.confirmed:
        context["secret"] = totp_secret(device)
        context["uri"] = device.config_url
    return render(request, "staff/second_factor.html", context)


def _locked_message() -> str:
    return _(
        "Too many wrong codes: the second factor is locked for %(minutes)s minutes. "
        "An administrator can remove your authenticator to let you enrol again."
    ) % {"minutes": settings.ADMIN_TOTP_LOCK_MINUTES}
