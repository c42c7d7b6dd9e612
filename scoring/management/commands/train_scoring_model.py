import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kernel.errors import DomainError
from loans.business_date import current_business_date
from scoring import services
from scoring.book import application_dataset
from scoring.bureau import MAX_WIDTH, bureau_width
from scoring.datasets import read_csv, rename_columns
from scoring.kinds import kind_dataset
from scoring.management.commands.promote_model import user_named
from scoring.models import ModelKind
from scoring.outcomes import bad_definition
from scoring.training import train


class Command(BaseCommand):
    help = (
        "Train a scorecard with a time-based holdout and register it as a candidate: from the "
        "loans in the database whose outcome is known, or from a CSV export."
    )

    def add_arguments(self, parser):
        bad_dpd, horizon = bad_definition()
        parser.add_argument("--kind", choices=ModelKind.values, default=ModelKind.APPLICATION)
        parser.add_argument("--csv", type=Path, help="Train on this CSV instead of the database")
        parser.add_argument("--target", help="The CSV's target column")
        parser.add_argument("--positive", help="The target value that means 'bad'")
        parser.add_argument(
            "--negative",
            help="The target value that means 'good' (default: the one other value in the column)",
        )
        parser.add_argument("--time-column", help="Order CSV rows by this column (else file order)")
        parser.add_argument("--bad-dpd", type=int, default=bad_dpd)
        parser.add_argument("--horizon-days", type=int, default=horizon)
        parser.add_argument("--bureau-width", type=int, default=None)
        parser.add_argument("--test-share", type=float, default=0.25)
        parser.add_argument(
            "--c",
            type=float,
            default=None,
            help="Fix the inverse L1 regularisation C instead of choosing it by cross-validation",
        )
        parser.add_argument("--report", type=Path, help="Write the holdout metrics here as JSON")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FEATURE",
            help="A CSV column is this feature of the kind's builder (repeat for each column); "
            "a model whose inputs the builder does not produce is never promoted",
        )
        parser.add_argument("--by", help="Username of the person training (default: system)")

    def handle(self, *args, **opts):
        if not 0.05 <= opts["test_share"] <= 0.5:
            raise CommandError("--test-share must be between 0.05 and 0.5")
        trainer = user_named(opts["by"])
        try:
            dataset = self._dataset(opts)
            trained = train(dataset, test_share=opts["test_share"], c=opts["c"])
            model = services.model_register(
                trained=trained, dataset=dataset, kind=opts["kind"], trainer=trainer
            )
        except DomainError as exc:
            raise CommandError(f"Nothing registered: {exc.message}") from exc
        m = model.metrics
        if dataset.dropped:
            self.stdout.write(
                f"Columns left out (empty or identifiers): {', '.join(dataset.dropped)}"
            )
        wrong = m.get("constraints", {}).get("dropped_for_wrong_sign")
        if wrong:
            self.stdout.write(
                _("Left out for a sign against the known direction, and refitted: %(names)s")
                % {"names": ", ".join(wrong)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Registered {model} from {model.source}: {len(model.features)} features, "
                f"{model.rows_train} training / {model.rows_test} holdout rows; holdout AUC "
                f"{m['auc']:.3f}, Gini {m['gini']:.3f}, KS {m['ks']:.3f}, Brier {m['brier']:.4f}"
            )
        )
        cv = m["cross_validation"]
        self.stdout.write(
            _(
                "C %(c).4g (%(how)s): %(folds)s-fold CV AUC %(mean).3f ± %(sd).3f; "
                "%(nonzero)s of %(inputs)s inputs have a non-zero weight"
            )
            % {
                "c": cv["c"],
                "how": _("fixed") if opts["c"] is not None else _("chosen by cross-validation"),
                "folds": cv["folds"],
                "mean": cv["auc_mean"],
                "sd": cv["auc_sd"],
                "nonzero": m["nonzero_weights"],
                "inputs": m["inputs"],
            }
        )
        split = m["calibration_split"]
        if not split["rows_calibration"]:
            self.stdout.write(
                _("PD not calibrated: the latest part of the training window was too small")
            )
        else:
            self.stdout.write(
                _(
                    "PD calibrated on the latest %(rows)s training rows: holdout Brier "
                    "%(before).4f uncalibrated, %(after).4f calibrated"
                )
                % {
                    "rows": split["rows_calibration"],
                    "before": split["holdout_brier_uncalibrated"],
                    "after": split["holdout_brier"],
                }
            )
        vector = m["bureau_vector"]
        if vector:
            self.stdout.write(
                _(
                    "Bureau vector (%(n)s attributes) %(verdict)s: CV AUC %(with).3f with it, "
                    "%(without).3f without (log loss %(loss_with).4f against %(loss_without).4f)"
                )
                % {
                    "n": vector["attributes"],
                    "verdict": _("kept") if vector["used"] else _("left out"),
                    "with": vector["cv_with"]["auc_mean"],
                    "without": vector["cv_without"]["auc_mean"],
                    "loss_with": vector["cv_with"]["log_loss_mean"],
                    "loss_without": vector["cv_without"]["log_loss_mean"],
                }
            )
        if opts["report"]:
            report = {k: m[k] for k in ("auc", "gini", "ks", "brier", "brier_constant")}
            report |= {"rows_train": model.rows_train, "rows_test": model.rows_test}
            report |= {
                "c": cv["c"],
                "cv_folds": cv["folds"],
                "cv_auc_mean": cv["auc_mean"],
                "cv_auc_sd": cv["auc_sd"],
                "inputs": m["inputs"],
                "nonzero_weights": m["nonzero_weights"],
                "bureau_vector": vector,
                "calibration_split": m["calibration_split"],
                "calibration": m["calibration"],
                "data": m["data"],
            }
            opts["report"].write_text(json.dumps(report, indent=2))

    def _dataset(self, opts):
        if opts["csv"] is not None:
            if not opts["target"] or opts["positive"] is None:
                raise CommandError("--csv needs --target COLUMN and --positive VALUE")
            if not opts["csv"].is_file():
                raise CommandError(f"No such file: {opts['csv']}")
            dataset = read_csv(
                opts["csv"],
                target=opts["target"],
                positive=opts["positive"],
                negative=opts["negative"],
                time_column=opts["time_column"],
            )
            return rename_columns(dataset, _column_map(opts["map"]))
        if opts["map"]:
            raise CommandError(_("--map renames the columns of a --csv file"))
        if opts["kind"] != ModelKind.APPLICATION:
            dataset = kind_dataset(opts["kind"], on=current_business_date())
            if dataset is None:
                raise CommandError(
                    _("The kind '%(kind)s' has no feature builder; give --csv")
                    % {"kind": opts["kind"]}
                )
            return dataset
        width = bureau_width() if opts["bureau_width"] is None else opts["bureau_width"]
        if not 0 <= width <= MAX_WIDTH:
            raise CommandError(f"--bureau-width must be between 0 and {MAX_WIDTH}")
        return application_dataset(
            on=current_business_date(),
            bad_dpd=opts["bad_dpd"],
            horizon_days=opts["horizon_days"],
            bureau_width=width,
        )


def _column_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sep, feature = pair.partition("=")
        if not sep or not column.strip() or not feature.strip():
            raise CommandError(_("--map takes COLUMN=FEATURE, not '%(pair)s'") % {"pair": pair})
        mapping[column.strip()] = feature.strip()
    return mapping
