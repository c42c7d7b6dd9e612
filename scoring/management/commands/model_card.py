from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring.card import model_card
from scoring.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Print a model version's card (data, features, chosen C, cross-validated and holdout "
        "figures, calibration, thresholds, who trained and approved it), or write it to a file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, required=True, help="The ModelVersion id")
        parser.add_argument("--out", type=Path, help="Write the card here (Markdown)")

    def handle(self, *args, **opts):
        model = ModelVersion.objects.filter(pk=opts["id"]).first()
        if model is None:
            raise CommandError(_("No model with id %(id)s") % {"id": opts["id"]})
        card = model_card(model)
        if opts["out"]:
            opts["out"].write_text(card)
        else:
            self.stdout.write(card)
