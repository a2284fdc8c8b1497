"""`python -m tests.bench [--smoke] [NAME ...]`: run every tests/bench/bench_*.py (or the named ones), print a
table and write var/bench/results.json. Exits 1 if a module fails to run (not if a target is missed).

`--smoke` (or BENCH_SMOKE=1) runs every module at small sizes and writes var/bench/smoke.json: `make test`
runs it so that a benchmark which no longer runs fails CI; its figures are not measurements."""

import importlib
import json
import os
import sys
import traceback
from pathlib import Path

import django

HERE = Path(__file__).resolve().parent
OUT = HERE.parent.parent / "var" / "bench" / "results.json"


def main(argv: list[str]) -> int:
    if "--smoke" in argv:
        argv = [a for a in argv if a != "--smoke"]
        os.environ["BENCH_SMOKE"] = "1"
    out = OUT.with_name("smoke.json") if os.environ.get("BENCH_SMOKE", "") not in ("", "0") else OUT
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Benchmarks measure in this process: tasks run eagerly even on the real stack (with a broker set, a
    # queued report would wait for a worker that is not there, and tasks would pile up in Redis).
    os.environ["CELERY_BROKER_URL"] = ""
    django.setup()
    from tests.bench.common import table

    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if argv:
        names = [n for n in names if n in argv or n.removeprefix("bench_") in argv]
    rows, failed = [], []
    for name in names:
        print(f"running {name} ...", flush=True)
        try:
            rows.extend(importlib.import_module(f"tests.bench.{name}").run())
        except Exception:  # one broken benchmark must not hide the others
            traceback.print_exc()
            failed.append(name)
    print()
    print(table(rows))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {out.relative_to(HERE.parent.parent)}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
