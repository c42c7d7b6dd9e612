"""Scoring speed for a champion with 10,000 input features.

    DEBUG=1 .venv/bin/python bench/scoring.py [--decisions 300] [--database-url postgres://...]

Prints one-row model inference p50/p99, batch throughput (rows/s) and the whole decision
(features from the database + model + hard rules + cut-offs + the self-ban written back + the
ScoreResult row; the bureau sandbox is asked beforehand and excluded) p50/p99, with the mix of
decisions. Decisions are timed as a worker runs them, with DEBUG off; their queries are counted
on one decision apart. Runs on its own temporary SQLite database,
or on a `zaymer_bench_scoring` PostgreSQL database (dropped and re-created) when given a URL;
never on the developer's database.
"""

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_FEATURES = 10_000
BENCH_DB = "zaymer_bench_scoring"


def _percentiles(seconds: list[float]) -> str:
    import numpy as np

    ms = np.array(seconds) * 1000
    return f"p50 {np.percentile(ms, 50):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms"


def _use_database(url: str | None, workdir: Path) -> str:
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        return "SQLite (temporary file)"
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("--database-url must be a PostgreSQL URL")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        c.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    return f"PostgreSQL ({BENCH_DB})"


def _synthetic_dataset(rows: int, width: int):
    """Named features from plausible ranges plus `width` bureau attributes, with a signal."""
    import numpy as np

    from scoring.bureau import attribute_name
    from scoring.datasets import Dataset
    from scoring.features import CATEGORICAL, LABELS

    rng = np.random.default_rng(7)
    named = [name for name in LABELS if name not in CATEGORICAL]
    risk = rng.normal(size=rows)
    x_named = np.abs(rng.normal(size=(rows, len(named)))) * 10 + risk[:, None]
    loadings = np.where(rng.random(width) < 0.3, rng.normal(size=width), 0.0)
    x_attr = loadings * risk[:, None] + rng.normal(size=(rows, width))
    x_attr[rng.random((rows, width)) < 0.05] = np.nan
    categories = {
        "product": ["pdl30", "il168"],
        "product_kind": ["pdl", "il"],
        "channel": ["web", "app"],
        "region": ["77", "50", "66", "78"],
        "employment": ["employed", "student", "unemployed", "pensioner"],
    }
    x_cat = np.array(
        [[rng.choice(categories[name]) for name in CATEGORICAL] for _ in range(rows)], dtype=object
    )
    y = (rng.random(rows) < 1 / (1 + np.exp(-(risk - 1.5)))).astype(np.int8)
    return Dataset(
        numeric=[*named, *(attribute_name(i) for i in range(width))],
        categorical=list(CATEGORICAL),
        x_num=np.hstack([x_named, x_attr]),
        x_cat=x_cat,
        y=y,
        order=np.arange(rows, dtype=np.float64),
        source="bench",
        target="synthetic",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--train-rows", type=int, default=1_500)
    parser.add_argument("--database-url", help="PostgreSQL server to use instead of SQLite")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="zaymer-bench-scoring-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    where = _use_database(args.database_url, workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zaymer.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from scoring.features import CATEGORICAL, LABELS

    width = N_FEATURES - len([n for n in LABELS if n not in CATEGORICAL]) - len(CATEGORICAL)
    settings.SCORING_ARTIFACTS_DIR = workdir / "artifacts"
    settings.SCORING_BUREAU_WIDTH = width
    call_command("migrate", verbosity=0)

    from loans.business_date import set_business_date
    from loans.models import Loan
    from scoring import registry, services
    from scoring.bureau import ask_bureaus
    from scoring.training import train
    from tests.factories import BorrowerFactory, PdlProductFactory, applied_loan

    print(f"database: {where}; artifacts: {settings.SCORING_ARTIFACTS_DIR}")
    started = time.perf_counter()
    dataset = _synthetic_dataset(args.train_rows, width)
    trained = train(dataset)
    model_version = services.model_register(trained=trained, dataset=dataset, kind="application")
    from django.contrib.auth.models import Group, User

    approver = User.objects.create_user("bench-risk")  # promotion needs a risk manager
    approver.groups.add(Group.objects.get_or_create(name="risk_manager")[0])
    services.model_promote(model=model_version, kind="application", approver=approver)
    model = registry.load_model(model_version)
    print(
        f"champion: {len(model.features)} input features ({width} bureau attributes), "
        f"trained on {trained.rows_train} rows in {time.perf_counter() - started:.1f} s, "
        f"holdout AUC {trained.metrics['auc']:.3f}"
    )

    x_num, x_cat = dataset.x_num, dataset.x_cat
    one_row = []
    for i in range(2_000):
        row, cats = x_num[i % len(x_num)][None, :], x_cat[i % len(x_cat)][None, :]
        t = time.perf_counter()
        model.predict_pd(row, cats)
        one_row.append(time.perf_counter() - t)
    print(f"one-row inference: {_percentiles(one_row[100:])}")

    batch = 1_000
    t = time.perf_counter()
    rows = 0
    while rows < 50_000:
        model.predict_pd(x_num[:batch], x_cat[:batch])
        rows += batch
    print(f"batch inference: {rows / (time.perf_counter() - t):,.0f} rows/s ({batch}-row batches)")

    import datetime as dt

    set_business_date(on=dt.date(2026, 11, 2))
    product = PdlProductFactory()
    loans = [
        applied_loan(borrower=BorrowerFactory(), product=product) for _ in range(args.decisions + 1)
    ]
    loans = list(
        Loan.objects.select_related("borrower__region", "product").filter(
            pk__in=[loan.pk for loan in loans]
        )
    )
    reports = [ask_bureaus(borrower=loan.borrower, as_of=dt.date(2026, 11, 2)) for loan in loans]
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scoring.models import CutOff, ScoreResult

    # DEBUG=1 only lets the settings load without secrets. With DEBUG on, Django records every
    # query (on SQLite with one more query to quote its parameters), which a worker never does;
    # so are the queries counted on one decision apart, not around the timed ones.
    settings.DEBUG = False
    bare = []
    for _ in range(300):
        t = time.perf_counter()
        CutOff.objects.filter(segment="new").first()
        bare.append(time.perf_counter() - t)
    print(f"one bare ORM query, for scale: {_percentiles(bare)}")
    with CaptureQueriesContext(connection) as captured:
        services.score_application(loan=loans[0], bureau=reports[0])
    decisions = []
    for loan, bureau in zip(loans[1:], reports[1:], strict=True):
        t = time.perf_counter()
        services.score_application(loan=loan, bureau=bureau)
        decisions.append(time.perf_counter() - t)
    mix = Counter(ScoreResult.objects.values_list("method", "decision"))
    print(
        f"whole decision (DB features + model + rules + ScoreResult row, {len(captured)} "
        f"queries): {_percentiles(decisions)}; "
        + ", ".join(f"{n} {method} {decision}" for (method, decision), n in sorted(mix.items()))
    )


if __name__ == "__main__":
    main()
