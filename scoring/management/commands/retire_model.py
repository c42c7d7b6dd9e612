from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kernel.errors import DomainError
from scoring import services
from scoring.management.commands.promote_model import user_named
from scoring.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Retire a model (a risk manager's decision, --by); a retired champion leaves its kind "
        "to the rules until another model is promoted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, required=True, help="The ModelVersion id")
        parser.add_argument("--by", help="Username of the risk manager retiring it")
        parser.add_argument("--reason", default="", help="Why, for the model's history")

    def handle(self, *args, **opts):
        model = ModelVersion.objects.filter(pk=opts["id"]).first()
        if model is None:
            raise CommandError(_("No model with id %(id)s") % {"id": opts["id"]})
        try:
            model = services.model_retire(
                model=model, actor=user_named(opts["by"]), reason=opts["reason"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(_("%(model)s retired") % {"model": model}))
