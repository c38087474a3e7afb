"""
The benchmark: server time, SQL queries and memory of the main pages, the progress-table export and a
5,000-row plan import, at scale 1 and 50 (manage.py seed_demo) on SQLite and PostgreSQL, each next to a
bare Django view and the Django admin's task list measured in the same run. Not a test: it prints
figures and writes them to docs/benchmarks.md with the command that produced them.

    .venv/bin/python -m bench.run                       (make bench)
    .venv/bin/python -m bench.run --databases sqlite --scales 1 --runs 5 --no-docs   (a quick look)

Each database and scale is measured by bench/measure.py in a process of its own on a fresh database:
a temporary SQLite file, or a PostgreSQL database created for the run and dropped after it
(--database-url names the server; the local one by default). Production settings (DEBUG false, hashed
static files), as served.

Targets (issue 6): query counts independent of scale; every page's 95th percentile under 200 ms at
scale 50 on PostgreSQL; no page more than 3 times the admin's task list; the export of 5,000 tasks
under 3 s and under 200 MB.
"""

import argparse
import json
import os
import platform
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
FLOORS = ("bare Django view", "admin task list")
TARGET_P95_MS = 200
TARGET_RATIO = 3
EXPORT_SECONDS, EXPORT_MB = 3, 200
NOTES_MARKER = "<!-- notes: kept when the figures above are regenerated -->"


def environment(workdir: Path, database: str, admin_url: str, name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SQLITE_", "TEST_", "DJANGO_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_SETTINGS_MODULE="actionplan.settings",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(BASE),
    )
    if database == "sqlite":
        env["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    else:
        parts = urllib.parse.urlsplit(admin_url)
        env["DATABASE_URL"] = urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    return env


def postgres(admin_url: str, sql: str) -> None:
    import psycopg2

    parts = urllib.parse.urlsplit(admin_url)
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def measure(database: str, scale: int, runs: int, admin_url: str, name: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="actionplan-bench-") as tmp:
        workdir = Path(tmp)
        if database == "postgres":
            postgres(admin_url, f'DROP DATABASE IF EXISTS "{name}"')
            postgres(admin_url, f'CREATE DATABASE "{name}"')
        try:
            result = subprocess.run(
                [sys.executable, "-m", "bench.measure", "--scale", str(scale), "--runs", str(runs)],
                cwd=BASE,
                env=environment(workdir, database, admin_url, name),
                stdout=subprocess.PIPE,
                text=True,
                timeout=3 * 3600,
            )
        finally:
            if database == "postgres":
                postgres(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if result.returncode != 0:
            raise SystemExit(f"bench.measure failed for {database} scale {scale}")
        return json.loads(result.stdout.strip().splitlines()[-1])


# --- Report --------------------------------------------------------------------------------------------


def label_of(config: dict) -> str:
    return f"{'PostgreSQL' if config['vendor'] == 'postgresql' else 'SQLite'}, scale {config['scale']}"


def config_table(config: dict) -> list[str]:
    pages = {p["label"]: p for p in config["pages"]}
    admin = pages.get("admin task list")
    bare = pages.get("bare Django view")
    lines = [
        f"### {label_of(config)}",
        "",
        f"{config['seed_summary']}",
        "",
        "| page | queries | median ms | p95 ms | peak MB | × bare (median) | × admin list (median) | runs "
        "| cold: queries | cold: median ms | what |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for p in config["pages"]:
        x_bare = p["median_ms"] / bare["median_ms"] if bare and bare["median_ms"] else 0
        x_admin = p["median_ms"] / admin["median_ms"] if admin and admin["median_ms"] else 0
        cold_queries = "" if p.get("cold_queries") is None else p["cold_queries"]
        cold_ms = "" if p.get("cold_median_ms") is None else f"{p['cold_median_ms']:.1f}"
        lines.append(
            f"| {p['label']} | {p['queries']} | {p['median_ms']:.1f} | {p['p95_ms']:.1f} | {p['peak_mb']:.1f} | "
            f"{x_bare:.1f} | {x_admin:.2f} | {p['runs']} | {cold_queries} | {cold_ms} | {p['note']} |"
        )
    return lines + [""]


def verdicts(configs: list[dict]) -> list[str]:
    lines = ["## Against the targets", ""]
    by_key = {(c["vendor"], c["scale"]): c for c in configs}

    # 1. Query counts independent of scale.
    rows = []
    for vendor in sorted({c["vendor"] for c in configs}):
        scales = sorted(s for v, s in by_key if v == vendor)
        if len(scales) < 2:
            continue
        small, large = by_key[(vendor, scales[0])], by_key[(vendor, scales[-1])]
        before = {p["label"]: p for p in small["pages"]}
        for p in large["pages"]:
            if p["label"] in before:
                q = before[p["label"]]
                same = (q["queries"], q.get("cold_queries")) == (p["queries"], p.get("cold_queries"))
                cold = "" if p.get("cold_queries") is None else f"{q['cold_queries']} → {p['cold_queries']}"
                rows.append(
                    f"| {label_of(large).split(',')[0]} | {p['label']} | {q['queries']} | {p['queries']} | {cold} | "
                    f"{'yes' if same else '**no**'} |"
                )
    if rows:
        lines += [
            "**Query counts independent of scale** (scale 1 → 50):",
            "",
            "| database | page | queries at scale 1 | at scale 50 | cold, scale 1 → 50 | same |",
            "| --- | --- | ---: | ---: | ---: | --- |",
            *rows,
            "",
        ]

    target = by_key.get(("postgresql", 50))
    if target:
        pages = [p for p in target["pages"] if p["label"] not in FLOORS]
        admin = next(p for p in target["pages"] if p["label"] == "admin task list")
        slow = [p for p in pages if "export" not in p["label"] and "import" not in p["label"] and p["p95_ms"] >= TARGET_P95_MS]
        heavy = [
            p
            for p in pages
            if "export" not in p["label"] and "import" not in p["label"] and p["median_ms"] > TARGET_RATIO * admin["median_ms"]
        ]
        lines.append(
            f"**95th percentile under {TARGET_P95_MS} ms at scale 50 on PostgreSQL**: "
            + ("met by every page." if not slow else "missed by " + ", ".join(f"{p['label']} ({p['p95_ms']:.0f} ms)" for p in slow) + ".")
        )
        lines.append("")
        lines.append(
            f"**No page more than {TARGET_RATIO}× the admin's task list** ({admin['median_ms']:.0f} ms median): "
            + (
                "met by every page."
                if not heavy
                else "missed by "
                + ", ".join(f"{p['label']} ({p['median_ms'] / admin['median_ms']:.1f}×)" for p in heavy)
                + "."
            )
        )
        lines.append("")
        cold = [
            p
            for p in pages
            if "export" not in p["label"] and "import" not in p["label"] and (p.get("cold_median_ms") or 0) >= TARGET_P95_MS
        ]
        lines.append(
            "**The first view of a page after a change to reporting data** (roll-up cache empty, median): "
            + (
                f"every page under {TARGET_P95_MS} ms."
                if not cold
                else f"over {TARGET_P95_MS} ms for "
                + ", ".join(f"{p['label']} ({p['cold_median_ms']:.0f} ms)" for p in cold)
                + "."
            )
        )
        lines.append("")
        export = next((p for p in target["pages"] if "export" in p["label"]), None)
        if export:
            ok = export["p95_ms"] < EXPORT_SECONDS * 1000 and export["peak_mb"] < EXPORT_MB
            lines.append(
                f"**Export of {export['note']}, under {EXPORT_SECONDS} s and {EXPORT_MB} MB**: "
                f"{'met' if ok else '**missed**'} — p95 {export['p95_ms'] / 1000:.2f} s, peak {export['peak_mb']:.0f} MB."
            )
            lines.append("")
    return lines


def machine() -> str:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    import django

    versions = [f"Python {platform.python_version()}", f"Django {django.get_version()}"]
    try:
        import sqlite3

        versions.append(f"SQLite {sqlite3.sqlite_version}")
    except ImportError:
        pass
    try:
        server = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
        versions.append(server.replace("psql (PostgreSQL) ", "PostgreSQL "))
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}); " + ", ".join(versions)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--scales", default="1,50", help="comma-separated seed_demo scales")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (fewer for export and import)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/postgres"),
        help="PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--database-name", default="actionplan_bench")
    parser.add_argument("--output", type=Path, default=BASE / "docs" / "benchmarks.md")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)

    command = "make bench" if not argv and len(sys.argv) == 1 else "python -m bench.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    started = datetime.now().astimezone()
    load_before = os.getloadavg()
    configs = []
    for database in args.databases.split(","):
        for scale in (int(s) for s in args.scales.split(",")):
            print(f"{database}, scale {scale} …", file=sys.stderr, flush=True)
            t = time.perf_counter()
            configs.append(measure(database.strip(), scale, args.runs, args.database_url, args.database_name))
            print(f"  done in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    body = []
    for config in configs:
        body += config_table(config)
    body += verdicts(configs)
    report = "\n".join(body)
    print(report)
    if not args.no_docs:
        header = [
            "# Benchmarks",
            "",
            "Produced by `bench/run.py` (see its docstring for what is measured and how). Regenerate with:",
            "",
            "```sh",
            command,
            "```",
            "",
            f"Run {started:%Y-%m-%d %H:%M %Z} on {machine()}. Load average before/after: "
            f"{load_before[0]:.1f}/{load_after[0]:.1f} (other work on the machine inflates the times).",
            "",
            "Times are server time through the whole middleware stack with Django's test client, the "
            "response read to its end; *peak MB* is the memory Python allocated during one request "
            "(tracemalloc). *× admin list* divides a page's median by the admin task list's median in the "
            "same configuration.",
            "",
            "",
        ]
        args.output.parent.mkdir(parents=True, exist_ok=True)
        # Hand-written reading of the figures, below NOTES_MARKER, survives regeneration.
        notes = ""
        if args.output.exists() and NOTES_MARKER in (old := args.output.read_text(encoding="utf-8")):
            notes = "\n" + NOTES_MARKER + old.split(NOTES_MARKER, 1)[1]
        args.output.write_text("\n".join(header) + report + "\n" + notes, encoding="utf-8")
        print(f"\nWritten to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
