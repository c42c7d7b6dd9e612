from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from scoring.models import ModelKind, ModelStatus, ModelVersion


class Command(BaseCommand):
    help = (
        "Train and promote an application scorecard from the loan history, unless a champion "
        "already exists (what `make run` does after loading the demo data)."
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
        # The demo bureau's wide attributes are synthetic noise; the demo scorecard leaves them out.
        extra = ["--bureau-width", "0"] + (["--report", report] if report else [])
        try:
            call_command("train_scoring_model", "--kind", "application", *extra, stdout=self.stdout)
            call_command("promote_model", "--kind", "application", "--latest", stdout=self.stdout)
        except CommandError as exc:
            self.stderr.write(f"No champion yet, the rule-based fallback decides: {exc}")
