from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kernel.errors import DomainError
from scoring import services
from scoring.models import ModelKind, ModelStatus, ModelVersion


def user_named(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("No user '%(name)s'") % {"name": username})
    return user


class Command(BaseCommand):
    help = (
        "Make a registered model the champion (or the shadow challenger) of its kind: it must "
        "pass its kind's gates, and a risk manager who did not train it approves (--by)."
    )

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
        parser.add_argument(
            "--by", help="Username of the approving risk manager (not the model's trainer)"
        )
        parser.add_argument("--reason", default="", help="Why, for the model's history")

    def handle(self, *args, **opts):
        if opts["latest"]:
            model = (
                ModelVersion.objects.filter(kind=opts["kind"], status=ModelStatus.CANDIDATE)
                .order_by("-version")
                .first()
            )
            if model is None:
                raise CommandError(_("No %(kind)s candidate to promote") % {"kind": opts["kind"]})
        else:
            model = ModelVersion.objects.filter(pk=opts["id"]).first()
            if model is None:
                raise CommandError(_("No model with id %(id)s") % {"id": opts["id"]})
        approver = user_named(opts["by"])
        try:
            model = services.model_promote(
                model=model,
                kind=opts["kind"],
                role=opts["role"],
                approver=approver,
                reason=opts["reason"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        population = model.gates["population"]
        psi = "—" if population["psi"] is None else f"{population['psi']:.3f}"
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(model)s promoted, approved by %(by)s; holdout AUC %(auc)s; PSI %(psi)s on "
                    "the latest %(rows)s applicants"
                )
                % {
                    "model": model,
                    "by": model.promoted_by_label,
                    "auc": model.metrics.get("auc"),
                    "psi": psi,
                    "rows": population["rows"],
                }
            )
        )
