"""
Load test against the production setup: gunicorn serving actionplan with DEBUG=false on a fresh
PostgreSQL database, driven by simulated unit reporters over HTTP on the loopback interface.

    .venv/bin/python -m loadtest.run [--users 50] [--duration 60] [--scale 1] [--port 8610]   (make loadtest)

1. creates the database (dropped again at the end unless --keep-db), migrates, collects static files,
   runs seed_demo --scale N and loadtest.prepare (a unit, ten tasks and an account per simulated user);
2. starts gunicorn on 127.0.0.1:PORT and logs every user in (not timed: password hashing is deliberately slow);
3. for DURATION seconds each user, pausing between pages as a reader does (--think), browses (home, unit home,
   update list, plan, task list and task pages, dashboards) or reports: starts an update for one of its
   (task, quarter) pairs, opens the form, fills it and submits it — the steps a person takes;
4. prints throughput, latency percentiles per kind of request and errors, then counts the stored
   updates against those the users submitted (loadtest.verify): every acknowledged submission stored with
   its text and one version, nothing stored that no user sent.

Exit status 1 if any request failed or any submission is not stored as submitted.

Production settings with two loopback-only exceptions: plain HTTP (SECURE_SSL_REDIRECT and secure
cookies off) since there is no TLS proxy in front; everything else is as `check --deploy` requires.
Nothing listens beyond 127.0.0.1 and every loop ends at the deadline.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "Load2026test"
HOST = "127.0.0.1"
TIMEOUT = 30


# --- The server -------------------------------------------------------------------------------------


def server_env(database_url: str, port: int, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SQLITE_", "TEST_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        # Loopback plain HTTP only: no TLS proxy in front of this test server.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_SETTINGS_MODULE="actionplan.settings",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(BASE),
    )
    return env


def run(args, env, label):
    started = time.perf_counter()
    result = subprocess.run(args, cwd=BASE, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        sys.exit(f"{label} failed:\n{result.stdout}\n{result.stderr}")
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)
    return result.stdout


def create_database(admin_url: str, name: str) -> str:
    import psycopg2

    parts = urllib.parse.urlsplit(admin_url)
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    netloc = parts.netloc
    return urllib.parse.urlunsplit((parts.scheme, netloc, f"/{name}", "", ""))


def drop_database(admin_url: str, name: str) -> None:
    import psycopg2

    parts = urllib.parse.urlsplit(admin_url)
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def wait_until_serving(port: int, process) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited before serving; see its log above")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("gunicorn did not answer within 60 s")


# --- A simulated user -------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool


@dataclass
class Results:
    samples: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    submitted: list = field(default_factory=list)  # acknowledged: {"update": id, "marker": text}
    attempts: list = field(default_factory=list)  # the marker of every submit sent
    lock: threading.Lock = field(default_factory=threading.Lock)


class Browser:
    """One person's cookies and requests, over a fresh loopback connection per request."""

    def __init__(self, port: int, results: Results):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.results = results

    def request(self, kind: str, method: str, path: str, form: dict | None = None, expect=(200,)):
        headers = {"Host": HOST, "User-Agent": "actionplan-loadtest"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        status, location, text, error = 0, "", "", ""
        try:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            status, location = response.status, response.getheader("Location", "")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            connection.close()
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        ok = not error and status in expect
        with self.results.lock:
            self.results.samples.append(Sample(kind, seconds, ok))
            if not ok:
                self.results.errors.append(f"{method} {path} ({kind}): {error or status} {location}")
        return ok, status, location, text

    def post(self, kind, path, form, expect=(302,)):
        return self.request(kind, "POST", path, {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}, expect)


REVISION = re.compile(r'name="revision"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="revision"')
CONTRIBUTION = re.compile(r'name="(contribution_\d+)"')


def log_in(browser: Browser, login_path: str, username: str) -> bool:
    browser.request("login page", "GET", login_path)
    ok, _, location, _ = browser.post("log in", login_path, {"username": username, "password": PASSWORD})
    return ok and "login" not in location


def report_one(browser: Browser, user: dict, urls: dict, rng: random.Random, serial: int, think: float) -> bool:
    """Start, fill and submit the user's next update, as a person would through the pages."""
    if not user["work"]:
        return False
    task, period = user["work"].pop(0)
    start = urls["update_start"].replace("/0/", f"/{task}/")
    ok, _, location, _ = browser.post("start update", start, {"period": period, "copy_previous": "on"})
    if not ok:
        return True
    edit = urllib.parse.urlsplit(location).path
    ok, _, _, page = browser.request("update form", "GET", edit)
    if not ok:
        return True
    match = REVISION.search(page)
    revision = next(g for g in match.groups() if g) if match else "1"
    time.sleep(rng.uniform(think, 3 * think))  # typing the report
    marker = f"负载测试 {user['username']} 第{serial}份 {task}/{period} {rng.randrange(10**9)}"
    form = {
        "revision": revision,
        "progress": f"{marker}：本季度推进顺利，完成阶段性工作。",
        "problems": "无。",
        "next_steps": "继续按计划推进。",
        "self_status": "on_track",
        "action": "submit",
    }
    with browser.results.lock:
        browser.results.attempts.append(marker)
    ok, _, location, _ = browser.post("submit update", edit, form)
    if ok and "/edit/" not in location:
        update_id = int(re.search(r"/(\d+)/?$", urllib.parse.urlsplit(location).path).group(1))
        with browser.results.lock:
            browser.results.submitted.append({"update": update_id, "marker": marker})
        browser.request("update page", "GET", urllib.parse.urlsplit(location).path)
    elif ok:
        with browser.results.lock:
            browser.results.errors.append(f"submit of {edit} went back to the form: {location}")
    return True


def simulate(browser: Browser, user: dict, urls: dict, deadline: float, seed: int, think: float) -> None:
    rng = random.Random(seed)
    serial = 0
    while time.monotonic() < deadline:
        if rng.random() < 0.35 and user["work"]:
            serial += 1
            report_one(browser, user, urls, rng, serial, think)
        else:
            kind, path = rng.choice(user["browse"])
            browser.request(kind, "GET", path)
        time.sleep(rng.uniform(0, 2 * think))


# --- Report ------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def report(results: Results, seconds: float, users: int) -> str:
    lines = [
        f"{users} users for {seconds:.0f} s: {len(results.samples)} requests, "
        f"{len(results.samples) / seconds:.1f} requests/s, {len(results.submitted)} updates submitted "
        f"({len(results.submitted) / seconds:.2f}/s), {len(results.errors)} errors",
        "",
        "| request | count | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    kinds = sorted({s.kind for s in results.samples})
    for kind in kinds + ["all"]:
        chosen = [s for s in results.samples if kind in ("all", s.kind)]
        times = [s.seconds * 1000 for s in chosen]
        lines.append(
            f"| {kind} | {len(chosen)} | {percentile(times, 50):.0f} | {percentile(times, 95):.0f} | "
            f"{percentile(times, 99):.0f} | {max(times):.0f} | {sum(not s.ok for s in chosen)} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (at most 600)")
    parser.add_argument("--scale", type=int, default=1, help="seed_demo scale of the data behind the pages")
    parser.add_argument("--port", type=int, default=8610)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean pause between a user's pages, seconds (filling a form: twice that)"
    )
    parser.add_argument("--tasks-per-user", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("LOADTEST_DATABASE_URL", "postgres://root@127.0.0.1:5432/postgres"))
    parser.add_argument("--database-name", default="actionplan_loadtest")
    parser.add_argument("--keep-db", action="store_true", help="leave the database for inspection")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 500 or not 1 <= args.duration <= 600:
        parser.error("--users must be 1..500 and --duration 1..600")

    workdir = Path(tempfile.mkdtemp(prefix="actionplan-loadtest-"))
    database_url = create_database(args.database_url, args.database_name)
    env = server_env(database_url, args.port, workdir)
    server = None
    try:
        print("Preparing (not timed):", flush=True)
        run([PYTHON, "manage.py", "migrate", "--noinput"], env, "migrate")
        run([PYTHON, "manage.py", "collectstatic", "--noinput"], env, "collectstatic")
        run([PYTHON, "manage.py", "seed_demo", "--scale", str(args.scale)], env, f"seed_demo --scale {args.scale}")
        plan = json.loads(
            run([PYTHON, "-m", "loadtest.prepare", str(args.users), str(args.tasks_per_user), PASSWORD], env, "accounts")
        )
        log = open(workdir / "gunicorn.log", "w")
        server = subprocess.Popen(
            [
                str(Path(PYTHON).with_name("gunicorn")),
                "actionplan.wsgi:application",
                "--bind", f"{HOST}:{args.port}",
                "--workers", str(args.workers),
                "--worker-class", "gthread",
                "--threads", str(args.threads),
                "--timeout", "60",
            ],
            cwd=BASE,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until_serving(args.port, server)
        results = Results()
        browsers = [Browser(args.port, results) for _ in plan["users"]]
        # People arrive over the morning, not in one instant: a few logins at a time, since each one hashes
        # the password on purpose slowly (PBKDF2) and fifty at once would only measure that.
        queue = list(zip(browsers, plan["users"]))
        lock = threading.Lock()

        def arrive():
            while True:
                with lock:
                    if not queue:
                        return
                    browser, user = queue.pop()
                log_in(browser, plan["login"], user["username"])

        threads = [threading.Thread(target=arrive) for _ in range(args.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        logged_in = sum("sessionid" in b.cookies for b in browsers)
        print(f"  {logged_in} of {len(browsers)} users logged in", flush=True)
        if logged_in != len(browsers):
            print("\n".join(results.errors[:10]))
            return 1
        results.samples.clear()

        print(f"Running {args.users} users for {args.duration} s against gunicorn on {HOST}:{args.port} …", flush=True)
        started = time.monotonic()
        deadline = started + args.duration
        threads = [
            threading.Thread(target=simulate, args=(b, u, plan["urls"], deadline, n, args.think), daemon=True)
            for n, (b, u) in enumerate(zip(browsers, plan["users"]))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.duration + TIMEOUT + 10)
        elapsed = time.monotonic() - started
        print()
        print(report(results, elapsed, args.users))
        for error in results.errors[:10]:
            print("  error:", error)

        submissions = workdir / "submissions.json"
        submissions.write_text(
            json.dumps({"acknowledged": results.submitted, "attempted": results.attempts}, ensure_ascii=False),
            encoding="utf-8",
        )
        check = json.loads(run([PYTHON, "-m", "loadtest.verify", str(submissions)], env, "verify"))
        print(
            f"\nStored: {check['stored_ok']} of the {check['acknowledged']} submissions the users saw succeed are "
            f"stored as submitted with their text and one version (lost: {len(check['lost'])}); "
            f"{len(check['unacknowledged_stored'])} more whose answer the user never got (timed out) are stored too; "
            f"{check['stored_in_plan']} updates of the load-test plan are in state submitted, "
            f"{len(check['unknown'])} of them unaccounted for."
        )
        if args.json:
            times = [s.seconds * 1000 for s in results.samples]
            args.json.write_text(
                json.dumps(
                    {
                        "users": args.users,
                        "seconds": elapsed,
                        "requests": len(results.samples),
                        "errors": len(results.errors),
                        "p50_ms": percentile(times, 50),
                        "p95_ms": percentile(times, 95),
                        "p99_ms": percentile(times, 99),
                        **check,
                    }
                )
            )
        failed = results.errors or check["lost"] or check["unknown"]
        failed = failed or check["stored_in_plan"] != check["acknowledged"] + len(check["unacknowledged_stored"])
        return 1 if failed else 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep_db:
            drop_database(args.database_url, args.database_name)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
