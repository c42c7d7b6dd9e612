from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from loans.errors import DomainError
from scoring import services
from scoring.models import ModelKind, ModelStatus, ModelVersion


class Command(BaseCommand):
    help = "Make a registered model the champion (or the shadow challenger) of its kind."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=ModelKind.values)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--id", type=int, help="The ModelVersion id")
        which.add_argument("--latest", action="store_true", help="The newest candidate")
        parser.add_argument(
            "--as",
            dest="role",
            choices=[ModelStatus.CHAMPION, ModelStatus.CHALLENGER],
            default=ModelStatus.CHAMPION,
        )
        parser.add_argument("--by", help="Username of the person promoting (default: system)")

    def handle(self, *args, **opts):
        if opts["latest"]:
            model = (
                ModelVersion.objects.filter(kind=opts["kind"], status=ModelStatus.CANDIDATE)
                .order_by("-version")
                .first()
            )
            if model is None:
                raise CommandError(f"No {opts['kind']} candidate to promote")
        else:
            model = ModelVersion.objects.filter(pk=opts["id"]).first()
            if model is None:
                raise CommandError(f"No model with id {opts['id']}")
        actor = None
        if opts["by"]:
            actor = get_user_model().objects.filter(username=opts["by"]).first()
            if actor is None:
                raise CommandError(f"No user '{opts['by']}'")
        try:
            model = services.model_promote(
                model=model, kind=opts["kind"], role=opts["role"], actor=actor
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{model} promoted; holdout AUC {model.metrics.get('auc')}")
        )
