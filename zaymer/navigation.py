"""The staff layout's menu: each role sees the pages it may open, and only those."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.roles import (
    ADMINISTRATOR,
    COLLECTOR,
    RISK_MANAGER,
    ROLES,
    UNDERWRITER,
    has_role,
    user_roles,
)

PAGES = (
    ("underwriting:queue", _("Review queue"), (UNDERWRITER, RISK_MANAGER, ADMINISTRATOR), None),
    (
        "underwriting-metrics",
        _("Underwriting metrics"),
        (UNDERWRITER, RISK_MANAGER, ADMINISTRATOR),
        "underwriting.view_team_metrics",
    ),
    ("collection:cases", _("My cases"), (COLLECTOR, ADMINISTRATOR), None),
    ("dashboards", _("Dashboards"), (RISK_MANAGER, ADMINISTRATOR), None),
    ("scoring:monitoring", _("Scoring monitoring"), (RISK_MANAGER, ADMINISTRATOR), None),
    ("bureau-deadlines", _("Credit bureau reporting"), (RISK_MANAGER, ADMINISTRATOR), None),
    ("desk:search", _("Borrowers"), ROLES, None),
    ("desk:audit", _("Audit trail"), (RISK_MANAGER, ADMINISTRATOR), None),
    (
        "desk:servicing-queue",
        _("Awaiting approval"),
        (COLLECTOR, RISK_MANAGER, ADMINISTRATOR),
        None,
    ),
)


def staff_pages(user) -> list[tuple[str, str]]:
    pages = [
        (reverse(name), label)
        for name, label, roles, permission in PAGES
        if has_role(user, *roles) and (permission is None or user.has_perm(permission))
    ]
    if user.is_staff:
        pages.append((reverse("admin:index"), _("Administration")))
    return pages


def staff_navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"staff_pages": staff_pages(user), "staff_roles": sorted(user_roles(user))}
