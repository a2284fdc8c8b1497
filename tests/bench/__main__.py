"""`python -m tests.bench [NAME ...]`: run every tests/bench/bench_*.py (or the named ones), print a
table and write var/bench/results.json. Exits 1 if a module fails to run (not if a target is missed)."""

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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
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
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {OUT.relative_to(HERE.parent.parent)}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
