from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kernel.roles import RISK_MANAGER
from scoring.models import ModelKind, ModelStatus, ModelVersion


class Command(BaseCommand):
    help = (
        "Train an application scorecard from the loan history and promote it through the "
        "gates, approved by the first risk manager, unless a champion already exists (what "
        "`make run` does after loading the demo data). A model that fails a gate stays a "
        "candidate and the rules keep deciding."
    )

    def add_arguments(self, parser):
        parser.add_argument("--report", help="Write the holdout metrics here as JSON")

    def handle(self, *args, report=None, **options):
        champion = ModelVersion.objects.filter(
            kind=ModelKind.APPLICATION, status=ModelStatus.CHAMPION
        ).first()
        if champion is not None:
            self.stdout.write(f"Champion already in place: {champion}, AUC {champion.auc:.3f}")
            return
        approver = (
            get_user_model()
            .objects.filter(groups__name=RISK_MANAGER, is_active=True)
            .order_by("pk")
            .first()
        )
        # The demo bureau's wide attributes are synthetic noise; the demo scorecard leaves them out.
        extra = ["--bureau-width", "0"] + (["--report", report] if report else [])
        try:
            call_command("train_scoring_model", "--kind", "application", *extra, stdout=self.stdout)
            if approver is None:
                raise CommandError(_("no risk manager to approve the candidate"))
            call_command(
                "promote_model",
                "--kind",
                "application",
                "--latest",
                "--by",
                approver.get_username(),
                "--reason",
                "ensure_champion",
                stdout=self.stdout,
            )
        except CommandError as exc:
            self.stderr.write(
                _("No champion yet, the rule-based fallback decides: %(error)s") % {"error": exc}
            )
