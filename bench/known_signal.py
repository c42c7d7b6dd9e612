"""A wide CSV with a known signal, to check that the scorecard finds it among noise.

    .venv/bin/python bench/known_signal.py --rows 2000 --columns 2000 --true 5 --out wide.csv
    DEBUG=1 .venv/bin/python manage.py train_scoring_model --csv wide.csv --target bad \\
        --positive 1 --negative 0 --time-column month

Columns x00000… are standard normal; only the first `--true` move the log-odds (-1.5 plus
their sum), so the same seed gives the same target and true columns at every width and
`--columns` equal to `--true` is the core fit to compare with. Rows come in monthly blocks of
100 (the `month` column) for the time-based holdout.
"""

import argparse
import csv
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000)
    parser.add_argument("--columns", type=int, default=2_000)
    parser.add_argument("--true", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not 0 < args.true <= args.columns:
        parser.error("--true must be between 1 and --columns")
    rng = np.random.default_rng(args.seed)
    signal = rng.normal(size=(args.rows, args.true))
    bad = rng.random(args.rows) < 1 / (1 + np.exp(1.5 - signal.sum(axis=1)))
    noise = np.random.default_rng(args.seed + 1).normal(size=(args.rows, args.columns - args.true))
    x = np.hstack([signal, noise])
    with args.out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", *(f"x{j:05d}" for j in range(args.columns)), "bad"])
        for i in range(args.rows):
            writer.writerow([i // 100, *(f"{v:.4f}" for v in x[i]), int(bad[i])])
    print(
        f"{args.out}: {args.rows} rows × {args.columns} columns, {args.true} true, bad rate "
        f"{bad.mean():.3f}"
    )


if __name__ == "__main__":
    main()
