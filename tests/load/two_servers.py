"""`make load` (second part): two app servers, one PostgreSQL, one Redis, a worker.

Two gunicorn instances on different ports, each with its own MEDIA_ROOT (nothing may depend on a shared
disk), FILE_STORAGE=database and CACHE_URL at Redis, and one Celery worker (all queues) with a third
media folder. Users spread their requests across both servers. Checks:
- no 5xx and no transport error; no lost update (as the one-server run);
- login lock-out counted once: failures alternate between the servers, the limit locks the user on both;
- the API rate limit counted once: one token's requests alternate between the servers, and exactly the
  limit succeed before the 429s (a per-process cache would let each process grant the full limit);
- every report rendered during the run downloads from both servers with the same SHA-256.
Results in tests/bench/results/load-two-servers.json.
Environment: LOAD_USERS (20), LOAD_SECONDS (40), LOAD_DATABASE_URL, LOAD_BROKER_URL, LOAD_CACHE_URL.
"""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime

import requests

from tests.load import __main__ as one

USERS = int(os.environ.get("LOAD_USERS", "20"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "40"))
CACHE = os.environ.get("LOAD_CACHE_URL", one.BROKER)
RATE = 120  # API requests per token per minute, during this run
LOCKOUT = 5
REPORTS = 4
PORTS = [one._free_port(), one._free_port()]
BASES = [f"http://127.0.0.1:{p}" for p in PORTS]
MEDIA = [tempfile.mkdtemp(prefix=f"load-media-{i}-") for i in range(3)]


def env(media: str) -> dict:
    e = one.env()
    e.update({"AXES_ENABLED": "1", "AXES_FAILURE_LIMIT": str(LOCKOUT), "API_RATE_LIMIT": f"{RATE}/min",
              "CACHE_URL": CACHE, "FILE_STORAGE": "database", "MEDIA_ROOT": media, "APP_SERVERS": "2",
              "WEB_CONCURRENCY": "2", "REPORT_RENDER_LIMIT": "50"})
    return e


SEED_TOKENS = """
from threatmodel import services as ms
from threatmodel.models import Team
from django.contrib.auth import get_user_model
team = Team.objects.get(slug="load")
owner = get_user_model().objects.get(username="load-owner")
raws = [ms.api_token_create(actor=owner, team=team, user=owner, name=f"t{{i}}", scopes=["read", "write"])[1]
        for i in range({n})]
print("TOKENS", " ".join(raws))
"""


def log_in_all(stats) -> dict:
    """Every user logs in (half on each server) before the clock starts: password hashing is meant to be slow."""
    sessions = {}

    def one_user(uid):
        web = requests.Session()
        try:
            r = _login(web, BASES[uid % 2], f"load-{uid}")
            if r.status_code != 302:
                raise RuntimeError(f"login answered {r.status_code}")
            sessions[uid] = web
        except Exception as exc:  # noqa: BLE001 - counted, reported below
            with stats.lock:
                stats.errors.append(f"user {uid}: {exc}")
                stats.codes["login"]["error"] += 1

    threads = [threading.Thread(target=one_user, args=(uid,), daemon=True) for uid in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return sessions


def user_loop(uid, web, system_id, token, mitigation_ids, stats, stop_at):
    rng = random.Random(uid)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    kinds, weights = zip(*one.MIX, strict=True)
    etag, n = None, 0
    while time.monotonic() < stop_at:
        base = rng.choice(BASES)  # the load balancer's choice, per request
        kind = rng.choices(kinds, weights)[0]
        started = time.perf_counter()
        try:
            if kind == "workshop_page":
                r = web.get(f"{base}/systems/{system_id}/workshop/", timeout=60)
            elif kind == "live_poll":
                r = web.get(f"{base}/systems/{system_id}/workshop/live/", timeout=60,
                            headers={"If-None-Match": etag} if etag else {})
                etag = r.headers.get("ETag", etag)
            elif kind == "api_list":
                r = api.get(f"{base}/api/v1/risks/?system={system_id}&page_size=50", timeout=60)
            else:
                n += 1
                r = _write(api, base, rng.choice(mitigation_ids), f"[u{uid}:{n}]", stats)
        except requests.RequestException as exc:
            stats.record(kind, started, "error")
            with stats.lock:
                stats.errors.append(f"{kind}: {exc}")
            continue
        stats.record(kind, started, r.status_code)
        time.sleep(rng.uniform(0.2, 0.6))


def _login(session, base, username, password=one.PASSWORD):
    return one.post_login(session, username, password, base=base)


def _write(api, base, mitigation_id, marker, stats):
    """Write on `base`; read on either server in turn, starting with the other one for half the users."""
    first = hash(base) % 2
    return one.write_with_retry(api, mitigation_id, marker, stats, write_base=base,
                                read_bases=BASES[first:] + BASES[:first], timeout=60)


def check_lockout() -> dict:
    """LOCKOUT wrong passwords, alternating servers; then the right password is refused on both."""
    codes = [_login(requests.Session(), BASES[i % 2], "load-owner", "wrong-password").status_code
             for i in range(LOCKOUT)]
    after = [_login(requests.Session(), base, "load-owner").status_code for base in BASES]
    return {"failures": codes, "right_password_after": after, "ok": all(c == 429 for c in after)}


def check_rate(token) -> dict:
    """One fresh token: requests alternate between the servers until the 429s; exactly RATE succeed."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    codes = [s.get(f"{BASES[i % 2]}/api/v1/systems/?page_size=1", timeout=60).status_code for i in range(RATE + 10)]
    granted = codes.count(200)
    return {"limit": RATE, "granted": granted, "refused_429": codes.count(429), "ok": granted == RATE}


def check_reports(token, system_id) -> dict:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    urls = []
    for i in range(REPORTS):
        r = s.post(f"{BASES[i % 2]}/api/v1/systems/{system_id}/reports/", json={"kind": "pia"}, timeout=60)
        urls.append(r.headers.get("Location") if r.status_code == 202 else f"status {r.status_code}")
    results, deadline = [], time.monotonic() + 300
    for url in urls:
        body = {}
        while url.startswith("/") and time.monotonic() < deadline:
            body = s.get(f"{BASES[0]}{url}", timeout=60).json()
            if body.get("status") in ("done", "failed"):
                break
            time.sleep(2)
        digests = []
        for base in BASES:
            pdf = s.get(f"{base}{body.get('pdf_url') or '/missing'}", timeout=60)
            digests.append(hashlib.sha256(pdf.content).hexdigest() if pdf.status_code == 200 else pdf.status_code)
        results.append({"report": url, "status": body.get("status"), "sha256": body.get("sha256"),
                        "downloads": digests, "ok": body.get("status") == "done"
                        and all(d == body.get("sha256") for d in digests)})
    return {"reports": results, "ok": all(r["ok"] for r in results)}


def main() -> int:
    one.USERS = USERS
    single = one.ROOT / "tests" / "bench" / "results" / "load-latest.json"
    kept = single.read_bytes() if single.exists() else None  # the one-server run's results stay as they are
    print(f"load (two servers): {USERS} users for {SECONDS:.0f} s across {BASES[0]} and {BASES[1]} "
          f"(PostgreSQL + Redis cache/broker + a Celery worker; database file storage; separate media folders)")
    one.reset_database()
    one.manage("migrate", "--noinput", capture=True)
    one.manage("load_catalog", "--quiet", capture=True)
    seed = one.manage("shell", "-c", one.SEED.format(pw=one.PASSWORD, users=USERS), capture=True)
    _, system_id, _token, mids = next(x for x in seed.splitlines() if x.startswith("SEED")).split()
    mitigation_ids = [int(x) for x in mids.split(",")]
    tokens = one.manage("shell", "-c", SEED_TOKENS.format(n=USERS + 2), capture=True)
    tokens = next(x for x in tokens.splitlines() if x.startswith("TOKENS")).split()[1:]
    procs = [subprocess.Popen([one.PY, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
                               "--threads", "4", "--timeout", "120", "--keep-alive", "30", "--log-level", "warning"],
                              cwd=one.ROOT, env=env(MEDIA[i])) for i, port in enumerate(PORTS)]
    procs.append(subprocess.Popen([one.PY, "-m", "celery", "-A", "config", "worker", "-c", "1", "-l", "warning",
                                   "-Q", "celery,reports,imports,webhooks"], cwd=one.ROOT, env=env(MEDIA[2])))
    try:
        for base in BASES:
            for _ in range(120):
                try:
                    if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.5)
        stats = one.Stats()
        sessions = log_in_all(stats)
        stop_at = time.monotonic() + SECONDS
        threads = [threading.Thread(target=user_loop, args=(i, web, system_id, tokens[i], mitigation_ids, stats,
                                                            stop_at), daemon=True) for i, web in sessions.items()]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        reports = check_reports(tokens[-1], system_id)  # rendered while the load runs
        for t in threads:
            t.join(timeout=SECONDS + 180)
        elapsed = time.perf_counter() - t0
        one.BASE = BASES[0]
        status = one.report(stats, elapsed, tokens[0], mitigation_ids)
        lockout, rate = check_lockout(), check_rate(tokens[-2])
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    on_disk = sum(len(files) for m in MEDIA for _, _, files in os.walk(m))
    for folder in MEDIA:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"lock-out: {lockout}\nrate limit: {rate}\nreports: {json.dumps(reports['reports'])}\n"
          f"files in the servers' media folders: {on_disk}")
    latest = json.loads(single.read_text())
    single.write_bytes(kept) if kept is not None else single.unlink()
    latest.update({"servers": BASES, "lockout": lockout, "rate_limit": rate, "reports": reports,
                   "files_in_media_folders": on_disk, "when": datetime.now(UTC).isoformat(timespec="seconds")})
    latest["machine"]["server"] = "2 x gunicorn 2 workers x 4 threads, one PostgreSQL, one Redis"
    out = one.ROOT / "tests" / "bench" / "results" / "load-two-servers.json"
    out.write_text(json.dumps(latest, indent=2) + "\n")
    ok = status == 0 and lockout["ok"] and rate["ok"] and reports["ok"]
    print(f"written {out.relative_to(one.ROOT)}\n{'PASS' if ok else 'FAIL'} (two servers)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
