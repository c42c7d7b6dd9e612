"""Staff entry: the home page sends each role to its first page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from zaymer import totp
from zaymer.navigation import staff_pages
from zaymer.security import second_factor_passed, totp_device_for


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
        if second_factor_passed(request, code=request.POST.get("code", "")):
            return redirect(target)
        if not request.user.is_authenticated:
            return redirect("login")
        messages.error(request, _("The code is wrong or already used. Try the next one."))
    context = {"next": target, "enrolled": device.confirmed_at is not None}
    if device.confirmed_at is None:
        context["secret"] = device.secret
        context["uri"] = totp.provisioning_uri(device.secret, account=request.user.get_username())
    return render(request, "staff/second_factor.html", context)
