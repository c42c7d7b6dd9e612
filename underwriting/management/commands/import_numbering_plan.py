"""Load the numbering plan used by the phone-region identity check."""

from django.core.management.base import BaseCommand, CommandError

from underwriting.numbering import NumberingPlanError, numbering_plan_load, parse


class Command(BaseCommand):
    help = (
        "Load DEF-code ranges from the regulator's CSV (semicolon-separated, UTF-8: "
        "'АВС/ DEF;От;До;Емкость;Оператор;Регион;ИНН'). Nothing is stored if any line is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file")
        parser.add_argument("--replace", action="store_true", help="drop the ranges loaded before")

    def handle(self, *args, csv_file, replace, **options):
        try:
            with open(csv_file, encoding="utf-8-sig", newline="") as handle:
                rows = parse(handle)
        except OSError as error:
            raise CommandError(f"cannot read {csv_file}: {error.strerror}") from None
        except NumberingPlanError as error:
            raise CommandError(f"{csv_file}: {error}") from None
        stored, matched = numbering_plan_load(rows=rows, replace=replace)
        self.stdout.write(f"{stored} ranges stored, {matched} with a recognised region")
