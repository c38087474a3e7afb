"""
One configuration of the benchmark: a fresh database (given by the environment), seeded at one scale,
then each page requested through the whole middleware stack with Django's test client.

    python -m bench.measure --scale N --runs R        (bench/run.py runs it once per database and scale)

For each page: the number of SQL queries of one request (an execute wrapper around the request alone,
not the preparing of an upload or the cleaning up after it), the median and
95th-percentile time of R requests after two warm-up requests (time.perf_counter, the response read to
its end, streamed files included), and the peak of memory allocated during one more request
(tracemalloc, which slows that request, so it is not timed). Then, for pages that are read (GET), the
same with the roll-up cache (tasks.rollup_cache) emptied before each request, as the first view after a
change to reporting data sees it: its query count and median of COLD_RUNS requests. Prints the figures
as JSON on its last line.

Everything is compared with two floors measured in the same run: a bare view (bench/urls.py: nothing
but the middleware) and the Django admin's list of specific tasks (100 to a page).
"""

import argparse
import contextlib
import gc
import io
import json
import math
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field

import django

MEASURING_BUDGET_MS = 30_000  # per page
COLD_RUNS = 3  # requests measured with the roll-up cache emptied before each


@dataclass
class Page:
    label: str
    path: str
    user: object
    method: str = "get"
    runs: int | None = None
    data: dict | None = None
    prepare: object = None  # called before each request, not timed: returns (path, data) for it
    cleanup: object = None  # called after each request, not timed: undoes what it wrote
    note: str = ""


@dataclass
class Figures:
    label: str
    path: str
    status: int
    queries: int
    median_ms: float
    p95_ms: float
    peak_mb: float
    runs: int
    note: str = ""
    cold_queries: int | None = None
    cold_median_ms: float | None = None
    extra: dict = field(default_factory=dict)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def read(response) -> int:
    """Read the whole response, as a browser would: a streamed file is generated while it is read."""
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(page: Page, runs: int) -> Figures:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(page.user)

    def once(timings=None, queries=None):
        # Getting a fresh upload ready and cleaning up after it are not part of the measured request: neither
        # its time nor its queries (counted, when asked, by a wrapper around the request alone).
        path, data = page.prepare() if page.prepare else (page.path, page.data)
        send = getattr(client, page.method)
        counting = connection.execute_wrapper(counter(queries)) if queries is not None else contextlib.nullcontext()
        started = time.perf_counter()
        with counting:
            response = send(path, data) if data is not None else send(path)
            size = read(response)
        if timings is not None:
            timings.append((time.perf_counter() - started) * 1000)
        if page.cleanup:
            page.cleanup(response)
        return response, size

    runs = page.runs or runs
    warm = []
    for _ in range(2):
        response, size = once(warm)
        if response.status_code not in (200, 302):
            raise SystemExit(f"{page.label}: {page.path} answered {response.status_code}")
    # A page that takes seconds gets fewer runs (at least five), so one configuration stays within minutes.
    runs = min(runs, max(5, int(MEASURING_BUDGET_MS / max(warm[-1], 1))))
    counted = []
    response, size = once(queries=counted)
    queries = len(counted)
    times = []
    for _ in range(runs):
        once(times)
    tracemalloc.start()
    tracemalloc.reset_peak()
    once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cold_queries, cold = cold_figures(page, once)
    return Figures(
        label=page.label,
        path=page.path,
        status=response.status_code,
        queries=queries,
        median_ms=round(statistics.median(times), 1),
        p95_ms=round(percentile(times, 95), 1),
        peak_mb=round(peak / 2**20, 1),
        runs=runs,
        note=page.note,
        cold_queries=cold_queries,
        cold_median_ms=round(statistics.median(cold), 1) if cold else None,
        extra={"bytes": size},
    )


def cold_figures(page: Page, once) -> tuple[int | None, list[float]]:
    """
    The page with nothing in the roll-up cache (tasks.rollup_cache), as after each change to reporting
    data: its query count and COLD_RUNS timings, the cache emptied (untimed) before each request.
    """
    from django.core.cache import caches

    if page.method != "get":
        return None, []
    cache = caches["rollup"]
    cache.clear()
    counted = []
    once(queries=counted)
    times = []
    for _ in range(COLD_RUNS):
        cache.clear()
        once(times)
    return len(counted), times


def counter(queries: list):
    """An execute wrapper (connection.execute_wrapper) that appends to `queries` once per statement sent."""

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return count


def pages(runs: int) -> list[Page]:
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from tasks.models import Plan, Responsibility, SpecificTask, Update
    from units.models import User

    admin = User.objects.filter(username="bench_admin").first() or User.objects.create_superuser(
        "bench_admin", "", None
    )
    staff = User.objects.get(username="staff")
    leader = User.objects.get(username="leader")
    busiest_unit = (
        Responsibility.objects.values("unit").annotate(n=Count("pk")).order_by("-n", "unit").first()["unit"]
    )
    reporter = User.objects.filter(role=User.Role.REPORTER, unit=busiest_unit).order_by("pk").first()
    # The largest plan in force: at scale 1 the 2025–2027 plan, above it the generated one, so that both
    # scales measure the same kind of page (a closed plan's pages show less).
    plan = (
        Plan.objects.filter(status=Plan.Status.ACTIVE)
        .annotate(n=Count("sections__work_tasks__specific_tasks"))
        .order_by("-n", "pk")
        .first()
    )
    tasks = SpecificTask.objects.filter(work_task__section__plan=plan)
    busiest_task = (
        Update.objects.filter(task__in=tasks).values("task").annotate(n=Count("pk")).order_by("-n", "task").first()["task"]
    )

    def url(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:
            return None

    wanted = [
        ("bare Django view", url("bench_bare"), staff, "floor: the middleware alone"),
        ("admin task list", url("admin:tasks_specifictask_changelist"), admin, "floor: Django admin, 100 a page"),
        ("home", url("home"), staff, ""),
        ("unit home", url("tasks:unit_home"), reporter, f"the unit with most tasks ({reporter.unit})"),
        ("task list", url("tasks:task_list", query=f"?plan={plan.pk}"), staff, f"the largest plan in force, {tasks.count()} tasks"),
        ("task page", url("tasks:task_detail", busiest_task), staff, "the task with most updates"),
        ("review queue", url("tasks:update_list"), staff, "submitted updates, 50 a page"),
        ("plan page", url("tasks:plan_detail", plan.pk), staff, "the largest plan in force"),
        ("indicator dashboard", url("indicators:plan_dashboard", plan.pk), leader, "the largest plan in force"),
        ("indicator overview", url("indicators:overview"), leader, ""),
        (
            "progress-table export",
            url("tasks:excel_progress_export", plan.pk),
            staff,
            f"the largest plan in force, {tasks.count()} tasks",
        ),
    ]
    found = []
    for label, path, user, note in wanted:
        if path is None:
            print(f"  {label}: no such page yet, skipped", file=sys.stderr)
            continue
        found.append(Page(label, path, user, note=note, runs=max(5, runs // 4) if "export" in label else None))
    found += import_pages(plan, staff, runs)
    return found


def import_pages(plan, staff, runs) -> list[Page]:
    """
    A plan import of the largest plan's own progress table (some 5,000 rows at scale 50) under a new
    title: the upload, which reads and checks every row into a batch waiting for confirmation, and the
    confirmation, which writes the plan. Each run's batch and plan are deleted afterwards, untimed.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from tasks.models import ImportBatch, Plan

    try:
        export_url = reverse("tasks:excel_progress_export", args=[plan.pk])
        upload_url = reverse("tasks:excel_plan_import")
    except NoReverseMatch:
        print("  plan import: no such page yet, skipped", file=sys.stderr)
        return []
    client = Client()
    client.force_login(staff)
    response = client.get(export_url)
    workbook = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    rows = plan.sections.values("work_tasks__specific_tasks").count()
    serial = iter(range(10**6))
    title = "基准测试导入的行动计划"

    def form():
        return {
            "file": SimpleUploadedFile("任务进度表.xlsx", workbook),
            "title": f"{title}{next(serial)}",
            "start_year": plan.start_year,
            "end_year": plan.end_year,
        }

    def upload():
        return upload_url, form()

    def uploaded_batch():
        response = client.post(upload_url, form())
        if response.status_code != 302:
            raise SystemExit(f"plan import: the upload answered {response.status_code}")
        batch = ImportBatch.objects.filter(created_by=staff).latest("pk")
        if batch.errors:
            raise SystemExit(f"plan import: the exported table has row errors: {batch.errors[:3]}")
        return reverse("tasks:excel_batch_confirm", args=[batch.pk]), {}

    def discard(response):
        ImportBatch.objects.filter(created_by=staff).delete()
        for imported in Plan.objects.filter(title__startswith=title):
            imported.delete()

    note = f"the progress table of the largest plan in force: {rows} rows, {len(workbook) // 1024} KB"
    few = max(3, runs // 6)
    return [
        Page("plan import: upload and check", upload_url, staff, "post", few, prepare=upload, cleanup=discard, note=note),
        Page("plan import: confirm", upload_url, staff, "post", few, prepare=uploaded_batch, cleanup=discard, note=note),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    django.setup()
    gc.freeze()  # as actionplan/wsgi.py does once the application is loaded, so this process is served like one
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    out = io.StringIO()
    call_command("seed_demo", scale=args.scale, stdout=out)
    seeded = time.perf_counter() - started
    print(f"  {connection.vendor} scale {args.scale}: seeded in {seeded:.0f} s", file=sys.stderr, flush=True)
    with override_settings(ROOT_URLCONF="bench.urls"):
        figures = []
        for page in pages(args.runs):
            result = measure(page, args.runs)
            print(
                f"    {result.label}: {result.queries} queries, median {result.median_ms} ms, "
                f"p95 {result.p95_ms} ms, peak {result.peak_mb} MB",
                file=sys.stderr,
                flush=True,
            )
            figures.append(result.__dict__)
    summary = out.getvalue().strip().splitlines()[-1]
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "scale": args.scale,
                "seed_seconds": round(seeded, 1),
                "seed_summary": summary,
                "debug": settings.DEBUG,
                "pages": figures,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
