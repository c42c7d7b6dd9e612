"""The model card: one short document per model version, for the validator and the risk team."""

from django.utils.translation import gettext as _

from scoring.models import ModelVersion
from scoring.promotion import metric_checks, thresholds_for


def _row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _calibration_split(split: dict | None) -> list[str]:
    if not split:
        return [_("PD not calibrated (trained before the calibration split)")]
    if not split["rows_calibration"]:
        return [_("PD not calibrated: the latest part of the training window was too small")]
    return [
        _(
            "PD calibrated by %(method)s: fitted on %(fit)s rows, calibrated on the next "
            "%(rows)s (slope %(slope).3f, shift %(shift).3f%(applied)s); holdout Brier "
            "%(before)s uncalibrated, %(after)s calibrated"
        )
        % {
            "method": split["method"],
            "fit": split["rows_fit"],
            "rows": split["rows_calibration"],
            "slope": split["slope"],
            "shift": split["shift"],
            "applied": "" if split["applied"] else _("; not applied: the ranking was reversed"),
            "before": split["holdout_brier_uncalibrated"],
            "after": split["holdout_brier"],
        }
    ]


def model_card(version: ModelVersion) -> str:
    m = version.metrics
    cv = m.get("cross_validation") or {}
    data = m.get("data") or {}
    lines = [
        f"# {version}",
        "",
        f"## {_('Data')}",
        _("Source: %(source)s; target: %(target)s")
        % {"source": version.source, "target": version.target},
        _(
            "Window: %(start)s – %(end)s; rows: %(train)s training, %(test)s holdout (the latest); "
            "training bad rate %(bad).2f %%"
        )
        % {
            "start": version.trained_from or "—",
            "end": version.trained_to or "—",
            "train": version.rows_train,
            "test": version.rows_test,
            "bad": 100 * version.bad_rate_train,
        },
    ]
    if data:
        lines.append(", ".join(f"{key}: {value}" for key, value in data.items()))
    constraints = m.get("constraints") or {}
    lines += [
        "",
        f"## {_('Features')}",
        _(
            "%(inputs)s inputs, %(nonzero)s with a non-zero weight; known directions: %(dirs)s; "
            "left out for a wrong sign: %(wrong)s"
        )
        % {
            "inputs": len(version.features),
            "nonzero": m.get("nonzero_weights", "—"),
            "dirs": ", ".join(f"{k} {v:+d}" for k, v in constraints.get("directions", {}).items())
            or "—",
            "wrong": ", ".join(constraints.get("dropped_for_wrong_sign", [])) or "—",
        },
        "",
        f"## {_('Regularisation and cross-validation')}",
        _("%(selection)s: C %(c)s; %(folds)s folds, AUC %(mean)s ± %(sd)s")
        % {
            "selection": cv.get("selection", version.algorithm),
            "c": f"{cv['c']:.4g}" if "c" in cv else "—",
            "folds": cv.get("folds", "—"),
            "mean": cv.get("auc_mean", "—"),
            "sd": cv.get("auc_sd", "—"),
        },
    ]
    vector = m.get("bureau_vector")
    if vector:
        lines.append(
            _(
                "Bureau vector (%(n)s attributes) %(verdict)s: CV AUC %(with)s with it, "
                "%(without)s without"
            )
            % {
                "n": vector["attributes"],
                "verdict": _("kept") if vector["used"] else _("left out"),
                "with": vector["cv_with"]["auc_mean"],
                "without": vector["cv_without"]["auc_mean"],
            }
        )
    lines += [
        "",
        f"## {_('Gates: holdout and cross-validation')}",
        _row(_("metric"), _("value"), _("threshold"), _("passed")),
    ]
    lines.append(_row("---", "---", "---", "---"))
    for check in metric_checks(version, thresholds_for(version.kind)):
        shown = "—" if check.value is None else f"{check.value:.4g}"
        lines.append(
            _row(check.name, shown, f"{check.limit:.4g}", _("yes") if check.passed else _("no"))
        )
    lines += [
        _("Brier %(brier)s against %(constant)s for a constant PD")
        % {"brier": m.get("brier", "—"), "constant": m.get("brier_constant", "—")},
        *_calibration_split(m.get("calibration_split")),
        "",
        f"## {_('Calibration (holdout deciles)')}",
        _row(_("decile"), _("rows"), _("mean PD"), _("bad rate")),
        _row("---", "---", "---", "---"),
        *(
            _row(row["decile"], row["rows"], row["mean_pd"], row["bad_rate"])
            for row in m.get("calibration", [])
        ),
        "",
        f"## {_('People')}",
        _(
            "Trained by %(trainer)s on %(at)s; approved by %(approver)s%(when)s; PSI against the "
            "champion's population: %(psi)s"
        )
        % {
            "trainer": version.trained_by_label or "—",
            "at": version.created_at.date() if version.created_at else "—",
            "approver": version.promoted_by_label or _("nobody yet"),
            "when": f" ({version.promoted_at.date()})" if version.promoted_at else "",
            "psi": "—" if version.psi_vs_champion is None else f"{version.psi_vs_champion:.4f}",
        },
    ]
    return "\n".join(lines) + "\n"
