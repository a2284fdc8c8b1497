"""`make load`: a bounded load run against gunicorn on 127.0.0.1 with PostgreSQL and a real Celery worker.

50 concurrent users for 60 s mix workshop page loads, live-update polls, API lists and API writes with
If-Match (re-reading and retrying on 412). Prints throughput and p50/p95/p99 per request type, then
checks that no request got a 5xx and that no update was lost: every write a client saw succeed is in
the final value, and each object's version is 1 + the number of successful writes.

Only loopback addresses are used; the run is bounded in time and stops by itself.
Environment: LOAD_USERS (50), LOAD_SECONDS (60), LOAD_DATABASE_URL, LOAD_BROKER_URL.
"""

import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = int(os.environ.get("LOAD_PORT") or _free_port())
BASE = f"http://127.0.0.1:{PORT}"
USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
DB_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/threatmodel_load")
BROKER = os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/2")
PASSWORD = "load-test-Password-42"
MIX = [("workshop_page", 15), ("live_poll", 45), ("api_list", 25), ("api_write", 15)]


def env() -> dict:
    e = dict(os.environ)
    e.update({"DATABASE_URL": DB_URL, "CELERY_BROKER_URL": BROKER, "DJANGO_ENV": "development", "DEBUG": "0",
              "AXES_ENABLED": "0", "API_RATE_LIMIT": "100000/min", "LOG_LEVEL": "ERROR"})
    return e


def manage(*args, capture=False) -> str:
    out = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env(), check=True, text=True,
                         capture_output=capture)
    return out.stdout if capture else ""


def reset_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


SEED = """
from django.contrib.auth import get_user_model
from django.db import transaction
from assessments import services
from threatmodel import services as ms
from threatmodel.demo import build_support_assistant
from threatmodel.models import Membership, Role
User = get_user_model()
with transaction.atomic():
    owner = User.objects.create_user("load-owner", password="{pw}")
    team = ms.team_create(actor=owner, name="Load team", slug="load")
    users = []
    for i in range({users}):
        u = User.objects.create_user(f"load-{{i}}", password="{pw}")
        Membership.objects.create(team=team, user=u, role=Role.CONTRIBUTOR)
    system = build_support_assistant(actor=owner, team=team)
    for i in range(12):
        ms.component_create(actor=owner, system=system, kind=["input", "model", "output"][i % 3], name=f"Extra {{i}}")
    mitigations = [services.mitigation_create(actor=owner, system=system, title=f"Shared mitigation {{i}}",
                                              description="") for i in range(8)]
_, raw = ms.api_token_create(actor=owner, team=team, user=owner, name="load", scopes=["read", "write"])
print("SEED", system.pk, raw, ",".join(str(m.pk) for m in mitigations))
"""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.codes = defaultdict(lambda: defaultdict(int))
        self.written = defaultdict(list)  # mitigation id -> markers a client saw succeed
        self.errors: list[str] = []

    def record(self, kind, started, status):
        with self.lock:
            self.times[kind].append(time.perf_counter() - started)
            self.codes[kind][status] += 1


def post_login(session: requests.Session, username: str, password: str = PASSWORD, base: str = "") -> requests.Response:
    """The login form as a browser posts it (CSRF cookie first); the answer as it is."""
    base = base or BASE
    session.get(f"{base}/accounts/login/", timeout=60)
    return session.post(f"{base}/accounts/login/", data={"username": username, "password": password,
                                                         "csrfmiddlewaretoken": session.cookies.get("csrftoken")},
                        headers={"Referer": f"{base}/accounts/login/"}, timeout=60, allow_redirects=False)


def login(session: requests.Session, username: str) -> None:
    r = post_login(session, username)
    if r.status_code != 302:
        raise RuntimeError(f"login failed for {username}: {r.status_code}")


def user_loop(uid, system_id, token, mitigation_ids, stats: Stats, stop_at):
    rng = random.Random(uid)
    web = requests.Session()
    try:
        login(web, f"load-{uid}")
    except Exception as exc:  # noqa: BLE001 - counted as a failure, reported below
        with stats.lock:
            stats.errors.append(f"user {uid}: {exc}")
            stats.codes["login"]["error"] += 1
        return
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    etag = None
    kinds, weights = zip(*MIX, strict=True)
    n = 0
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        started = time.perf_counter()
        try:
            if kind == "workshop_page":
                r = web.get(f"{BASE}/systems/{system_id}/workshop/", timeout=30)
            elif kind == "live_poll":
                headers = {"If-None-Match": etag} if etag else {}
                r = web.get(f"{BASE}/systems/{system_id}/workshop/live/", headers=headers, timeout=30)
                etag = r.headers.get("ETag", etag)
            elif kind == "api_list":
                r = api.get(f"{BASE}/api/v1/risks/?system={system_id}&page_size=50", timeout=30)
            else:
                n += 1
                r = write_with_retry(api, rng.choice(mitigation_ids), f"[u{uid}:{n}]", stats)
        except requests.RequestException as exc:
            stats.record(kind, started, "error")
            with stats.lock:
                stats.errors.append(f"{kind}: {exc}")
            continue
        stats.record(kind, started, r.status_code)
        time.sleep(rng.uniform(0.05, 0.25))  # think time


def write_with_retry(api, mitigation_id, marker, stats: Stats, attempts=20, *, write_base="", read_bases=(),
                     timeout=30):
    """Append `marker` to a mitigation's description under If-Match, re-reading after each 412. The read
    goes to `read_bases` in turn (another server than the write's, to show that versions are shared)."""
    write_base = write_base or BASE
    read_bases = read_bases or (write_base,)
    for i in range(attempts):
        current = api.get(f"{read_bases[i % len(read_bases)]}/api/v1/mitigations/{mitigation_id}/", timeout=timeout)
        if current.status_code != 200:
            return current
        r = api.patch(f"{write_base}/api/v1/mitigations/{mitigation_id}/",
                      json={"description": current.json()["description"] + marker},
                      headers={"If-Match": current.headers["ETag"]}, timeout=timeout)
        if r.status_code == 200:
            with stats.lock:
                stats.written[mitigation_id].append(marker)
            return r
        if r.status_code != 412:
            return r
    return r


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def machine() -> dict:
    meminfo = Path("/proc/meminfo")
    lines = meminfo.read_text().splitlines() if meminfo.exists() else []
    mem = next((line.split(":")[1].strip() for line in lines if line.startswith("MemTotal")), "")
    return {"cpus": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "platform": platform.platform(), "database": "PostgreSQL (" + DB_URL.split("@")[-1] + ")",
            "broker": BROKER, "server": "gunicorn 3 workers x 4 threads", "worker": "celery prefork -c 1"}


def main() -> int:
    print(f"load: {USERS} users for {SECONDS:.0f} s against {BASE} (PostgreSQL + Redis + a Celery worker)")
    reset_database()
    manage("migrate", "--noinput", capture=True)
    manage("load_catalog", "--quiet", capture=True)
    seed = manage("shell", "-c", SEED.format(pw=PASSWORD, users=USERS), capture=True)
    line = next(x for x in seed.splitlines() if x.startswith("SEED"))
    _, system_id, token, mids = line.split()
    mitigation_ids = [int(x) for x in mids.split(",")]
    procs = [
        subprocess.Popen([PY, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", "3",
                          "--threads", "4", "--timeout", "120", "--keep-alive", "30",
                          "--log-level", "warning"], cwd=ROOT, env=env()),
        subprocess.Popen([PY, "-m", "celery", "-A", "config", "worker", "-c", "1", "-l", "warning"],
                         cwd=ROOT, env=env()),
    ]
    try:
        for _ in range(60):
            try:
                if requests.get(f"{BASE}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        stats = Stats()
        stop_at = time.monotonic() + SECONDS
        threads = [threading.Thread(target=user_loop, args=(i, system_id, token, mitigation_ids, stats, stop_at),
                                    daemon=True) for i in range(USERS)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 120)
        elapsed = time.perf_counter() - t0
        return report(stats, elapsed, token, mitigation_ids)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def report(stats: Stats, elapsed: float, token: str, mitigation_ids) -> int:
    total = sum(len(v) for v in stats.times.values())
    rows = []
    print(f"\n{'request':<15}{'count':>8}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for kind, _ in MIX:
        t = stats.times.get(kind, [])
        if not t:
            continue
        codes = dict(stats.codes[kind])
        row = {"request": kind, "count": len(t), "rps": len(t) / elapsed, "p50_ms": pct(t, 50),
               "p95_ms": pct(t, 95), "p99_ms": pct(t, 99), "mean_ms": statistics.mean(t) * 1000,
               "statuses": {str(k): v for k, v in codes.items()}}
        rows.append(row)
        print(f"{kind:<15}{len(t):>8}{row['rps']:>8.1f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
              f"{row['p99_ms']:>9.1f}  {codes}")
    print(f"total {total} requests in {elapsed:.1f} s = {total / elapsed:.1f} req/s")
    server_errors = sum(v for kind in stats.codes.values() for code, v in kind.items()
                        if code == "error" or (isinstance(code, int) and code >= 500))
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    lost = []
    for mid in mitigation_ids:
        body = api.get(f"{BASE}/api/v1/mitigations/{mid}/", timeout=30)
        if body.status_code != 200:
            lost.append(f"mitigation {mid}: final read {body.status_code}")
            continue
        data = body.json()
        markers = stats.written.get(mid, [])
        missing = [m for m in markers if m not in data["description"]]
        if missing or data["version"] != 1 + len(markers):
            lost.append(f"mitigation {mid}: {len(missing)} markers missing, version {data['version']} "
                        f"!= 1 + {len(markers)} writes")
    writes = sum(len(v) for v in stats.written.values())
    print(f"writes confirmed: {writes}; lost updates: {len(lost)}; 5xx or transport errors: {server_errors}")
    for problem in lost[:10] + stats.errors[:10]:
        print("  ", problem)
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "users": USERS, "seconds": SECONDS,
              "elapsed": elapsed, "throughput_rps": total / elapsed, "requests": rows, "writes_confirmed": writes,
              "lost_updates": len(lost), "server_errors": server_errors, "machine": machine()}
    out = ROOT / "tests" / "bench" / "results" / "load-latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")
    ok = not lost and server_errors == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
