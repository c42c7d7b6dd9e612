"""Issue a bearer token for a staff user on the staff API (/api/v1/staff/)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clientapi.services import tokens
from kernel.errors import DomainError


class Command(BaseCommand):
    help = (
        "Print a new staff API token for USERNAME (shown once; only its hash is kept). "
        "Send it as `Authorization: Bearer <token>`; revoke it in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=30, help="lifetime, 1 to 365 days")
        parser.add_argument("--label", default="", help="what the token is for")

    def handle(self, *args, username, days, label, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}")
        try:
            token, key = tokens.staff_token_issue(user=user, days=days, label=label)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Staff token #{token.pk} for {username}, valid until {token.expires_at}")
        self.stdout.write(key)
