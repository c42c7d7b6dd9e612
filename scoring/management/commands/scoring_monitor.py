import json

from django.core.management.base import BaseCommand, CommandError

from loans.business_date import current_business_date
from scoring.models import ModelKind
from scoring.monitoring import PSI_ALERT, monitoring_report


class Command(BaseCommand):
    help = "PSI of the champion's score and top features, decision rates, defaults by band."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=ModelKind.values, default=ModelKind.APPLICATION)
        parser.add_argument("--json", action="store_true", help="Print the report as JSON")
        parser.add_argument(
            "--fail-on-drift", action="store_true", help=f"Exit non-zero when a PSI > {PSI_ALERT}"
        )

    def handle(self, *args, **opts):
        report = monitoring_report(on=current_business_date(), kind=opts["kind"])
        drift = [
            {"name": d.name, "psi": d.psi, "rows": d.rows, "status": d.status} for d in report.drift
        ]
        if opts["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "model": str(report.model) if report.model else None,
                        "drift": drift,
                        "rates": report.rates,
                        "bands": report.bands,
                        "flagged": [d.name for d in report.flagged],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        else:
            self.stdout.write(f"Champion: {report.model or 'none (rule-based fallback)'}")
            for row in drift:
                shown = "—" if row["psi"] is None else f"{row['psi']:.3f}"
                flag = f"  <-- PSI above {PSI_ALERT}" if row["status"] == "shifted" else ""
                self.stdout.write(f"  PSI {row['name']}: {shown} ({row['rows']} rows){flag}")
            for row in report.rates:
                self.stdout.write(
                    f"  {row['segment']}: {row['total']} decisions, approve {row['approve']:.1%}, "
                    f"refer {row['refer']:.1%}, decline {row['decline']:.1%}"
                )
            for row in report.bands:
                self.stdout.write(
                    f"  points {row['band']}: {row['loans']} loans, bad {row['bad_rate']:.1%}"
                )
        if report.flagged and opts["fail_on_drift"]:
            raise CommandError(
                f"PSI above {PSI_ALERT}: {', '.join(d.name for d in report.flagged)}"
            )
