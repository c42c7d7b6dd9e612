"""Print where to sign in and with which demo account."""

import socket
import time
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from demo import accounts


class Command(BaseCommand):
    help = (
        "Print the staff sign-in URL and the demo accounts with the password from .demo-password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="where the back office is served"
        )
        parser.add_argument(
            "--after-start",
            type=float,
            default=0,
            metavar="SECONDS",
            help="first wait up to this long for the server at --url to accept connections "
            "(make run: the accounts show again below the server's start-up lines)",
        )

    def handle(self, *args, url, after_start, **options):
        if after_start and not _answers(url, within=after_start):
            return
        names = [u.username for u in accounts.DEMO_USERS]
        existing = set(
            get_user_model().objects.filter(username__in=names).values_list("username", flat=True)
        )
        if not existing:
            self.stdout.write("No demo accounts yet: run `manage.py seed_demo`.")
            return
        password = accounts.read_saved_password()
        self.stdout.write(f"Sign in at {url}")
        for user in accounts.DEMO_USERS:
            state = "" if user.username in existing else "  (missing: run seed_demo)"
            self.stdout.write(f"  {user.username:<12} {user.role}{state}")
        if password:
            self.stdout.write(f"Password for all four: {password}")
        else:
            self.stdout.write(
                f"No saved demo password ({accounts.password_file()} is missing); set a new one "
                "with `manage.py seed_demo --password NEW-PASSWORD`."
            )


def _answers(url: str, *, within: float) -> bool:
    """Whether the server at this URL accepts a connection within `within` seconds."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(address, timeout=1).close()
            return True
        except OSError:
            time.sleep(0.5)
    return False
