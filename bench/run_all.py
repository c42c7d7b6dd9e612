#!/usr/bin/env python
"""Run every benchmark and write one markdown report: the machine, the database, each figure.

    DEBUG=1 .venv/bin/python bench/run_all.py [--database-url URL] [--quick]

Each benchmark runs as its own process, on its own database (see bench/README.md), with the
sizes below (`--quick`: small ones, to check that all of them still run). The report goes to
`bench/results/bench-<database>-<date>.md` (not committed) and to stdout; a benchmark that
fails is reported as such and the exit code is non-zero.
"""

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SIZES = {
    "full": {
        "cob.py": ["--loans", "100000"],
        "scoring.py": ["--decisions", "300"],
        "review_queue.py": ["--tasks", "100000", "--seconds", "10"],
        "api.py": ["--seconds", "60"],
        "queue_throughput.py": ["--tasks", "2000"],
        "dashboards.py": ["--loans", "1000000"],
    },
    "quick": {
        "cob.py": ["--loans", "2000"],
        "scoring.py": ["--decisions", "30", "--train-rows", "400"],
        "review_queue.py": ["--tasks", "2000", "--seconds", "2"],
        "api.py": ["--borrowers", "40", "--seconds", "5", "--warmup", "2"],
        "queue_throughput.py": ["--tasks", "100"],
        "dashboards.py": ["--loans", "5000"],
    },
}


def machine() -> str:
    cpus = os.cpu_count()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB"
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load " + " ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{platform.machine()}, {cpus} CPUs{memory}{load}; Python {platform.python_version()}"


def run(script: str, args: list[str], database_url: str) -> tuple[bool, str]:
    command = [sys.executable, str(BENCH / script), *args]
    if database_url:
        command += ["--database-url", database_url]
    done = subprocess.run(  # noqa: S603 - the project's own benchmarks
        command, capture_output=True, text=True, check=False, env={**os.environ, "DEBUG": "1"}
    )
    out = done.stdout.strip()
    if done.returncode != 0:
        out += "\n\n```\n" + done.stderr.strip()[-3000:] + "\n```"
    return done.returncode == 0, out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    args = parser.parse_args(argv)
    database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    sizes = SIZES["quick" if args.quick else "full"]
    sections, failed = [], []
    for script, script_args in sizes.items():
        ok, out = run(script, script_args, args.database_url)
        status = "" if ok else " — FAILED"
        sections.append(f"## `bench/{script} {' '.join(script_args)}`{status}\n\n{out}\n")
        if not ok:
            failed.append(script)
    report = (
        f"# Benchmarks — {database}, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n\n"
        f"Machine: {machine()}.\n\n" + "\n".join(sections)
    )
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    path = results / f"bench-{database.lower()}-{dt.date.today():%Y%m%d}.md"
    path.write_text(report, encoding="utf-8")
    print(report)
    print(f"(written to bench/results/{path.name})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
