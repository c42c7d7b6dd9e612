"""Staff roles are Django groups (DESIGN.md, operator UI); pages ask for them by name."""

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

log = logging.getLogger("zaymer.security")

UNDERWRITER = "underwriter"
COLLECTOR = "collector"
RISK_MANAGER = "risk_manager"
ADMINISTRATOR = "administrator"
ROLES = (UNDERWRITER, COLLECTOR, RISK_MANAGER, ADMINISTRATOR)


def user_roles(user) -> frozenset[str]:
    """The user's roles, read once per request object (pages ask several times)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_zaymer_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(ROLES)
        else:
            cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._zaymer_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_required(*roles: str) -> Callable:
    """A page for these roles only: anonymous users go to sign in, others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                log.warning(
                    "forbidden",
                    extra={"fields": {"user_id": request.user.pk, "path": request.path}},
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
