"""The demo's staff accounts, one per role, each in its group, and the saved demo password."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


@dataclass(frozen=True)
class DemoUser:
    username: str
    group: str
    role: str
    superuser: bool = False
    admin_site: bool = True


DEMO_USERS = (
    DemoUser("admin", "administrator", "administrator", superuser=True),
    DemoUser("risk", "risk_manager", "risk manager"),
    DemoUser("underwriter", "underwriter", "underwriter", admin_site=False),
    DemoUser("collector", "collector", "collector", admin_site=False),
)


def password_file() -> Path:
    """Where the demo password is kept for `make run` (gitignored)."""
    return Path(getattr(settings, "DEMO_PASSWORD_FILE", settings.BASE_DIR / ".demo-password"))


def read_saved_password() -> str | None:
    path = password_file()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def save_password(password: str) -> Path:
    path = password_file()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return path


def ensure_accounts(*, password: str | None) -> tuple[str | None, list[str]]:
    """Create the four demo accounts (staff, each in its group; admin is a superuser).

    With a password, every account gets it. Without one, existing accounts keep theirs; if any
    account is new, a fresh password is generated for all four. Returns (password set or None,
    usernames created).
    """
    user_model = get_user_model()
    existing = set(
        user_model.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    missing = [u for u in DEMO_USERS if u.username not in existing]
    if password is None and missing:
        password = secrets.token_urlsafe(12)
    created = []
    for spec in DEMO_USERS:
        group, _ = Group.objects.get_or_create(name=spec.group)
        user, made = user_model.objects.get_or_create(
            username=spec.username,
            defaults={"email": f"{spec.username}@zaymer.example", "first_name": spec.role},
        )
        user.is_staff = spec.admin_site
        user.is_active = True
        user.is_superuser = spec.superuser
        if password is not None:
            user.set_password(password)
        user.save()
        user.groups.add(group)
        if made:
            created.append(spec.username)
    return password, created


def usernames() -> list[str]:
    return [user.username for user in DEMO_USERS]
