from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kernel.roles import RISK_MANAGER
from scoring.models import ModelKind, ModelStatus, ModelVersion


class Command(BaseCommand):
    help = (
        "For each model kind (application, pre-collection, collection) without a champion, "
        "train a model from the book's history and promote it through the gates, approved by "
        "the first risk manager (what `make run` does after loading the demo data). A model "
        "that fails a gate stays a candidate and the kind's rules keep deciding."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--report", help="Write the application model's holdout metrics here as JSON"
        )

    def handle(self, *args, report=None, **options):
        approver = (
            get_user_model()
            .objects.filter(groups__name=RISK_MANAGER, is_active=True)
            .order_by("pk")
            .first()
        )
        for kind in ModelKind.values:
            champion = ModelVersion.objects.filter(kind=kind, status=ModelStatus.CHAMPION).first()
            if champion is not None:
                self.stdout.write(f"Champion already in place: {champion}, AUC {champion.auc:.3f}")
                continue
            extra = []
            if kind == ModelKind.APPLICATION:
                # The demo bureau's wide attributes are synthetic noise; the demo leaves them out.
                extra = ["--bureau-width", "0"] + (["--report", report] if report else [])
            try:
                call_command("train_scoring_model", "--kind", kind, *extra, stdout=self.stdout)
                if approver is None:
                    raise CommandError(_("no risk manager to approve the candidate"))
                call_command(
                    "promote_model",
                    *("--kind", kind, "--latest", "--by", approver.get_username()),
                    *("--reason", "ensure_champion"),
                    stdout=self.stdout,
                )
            except CommandError as exc:
                self.stderr.write(
                    _("No %(kind)s champion yet, the rules decide: %(error)s")
                    % {"kind": kind, "error": exc}
                )
