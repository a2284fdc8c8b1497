"""Shared by the benchmarks: a throwaway database, one result row, and the table `python -m tests.bench` prints."""

import contextlib
import os

FIELDS = ("name", "value", "unit", "target", "anchor", "ratio", "ok")
# BENCH_SMOKE=1 (`python -m tests.bench --smoke`, run by `make test`): every module at small sizes, so a
# benchmark that no longer runs fails CI; the figures then mean nothing and targets are not enforced.
SMOKE = os.environ.get("BENCH_SMOKE", "") not in ("", "0")


def size(full: int, smoke: int) -> int:
    """A benchmark's size: `full` normally, `smoke` in the smoke run."""
    return smoke if SMOKE else full


def result(*, name: str, value: float, unit: str, target: float, anchor: str = "", anchor_value: float | None = None,
           lower_is_better: bool = True) -> dict:
    """A result row; `ratio` is value / anchor_value (below 1 beats the anchor when lower is better)."""
    ratio = round(value / anchor_value, 3) if anchor_value else None
    ok = value <= target if lower_is_better else value >= target
    return {"name": name, "value": value, "unit": unit, "target": target, "anchor": anchor, "ratio": ratio, "ok": ok}


def table(rows: list[dict]) -> str:
    header = ("benchmark", "value", "target", "ratio to anchor", "ok")
    body = [(str(r.get("name", "?")), f"{r.get('value')} {r.get('unit', '')}".strip(),
             f"{r.get('target', '')} {r.get('unit', '')}".strip(), "" if r.get("ratio") is None else f"{r['ratio']}",
             "yes" if r.get("ok") else "NO") for r in rows]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    anchors = [f"  {r.get('name')}: {r['anchor']}" for r in rows if r.get("anchor")]
    return "\n".join(lines + (["", "anchors:", *anchors] if anchors else []))


class _NoMigrations:
    """MIGRATION_MODULES that makes every app unmigrated: tables are created from the models (pytest-django's
    `--no-migrations` does the same for the test suite; `makemigrations --check` in `make test` keeps the models
    and the migrations equal)."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


@contextlib.contextmanager
def throwaway_database(label: str):
    """A fresh, committed database on the configured engine for one benchmark, destroyed afterwards: a file
    `var/bench/<label>.sqlite3` for SQLite, a `test_` database for PostgreSQL. Yields where it is, for the
    result rows. Django's test environment is set up for it (DEBUG off, as in production; the test client's
    host allowed). Its tables come from the models: running the migrations took about 4 s per benchmark.

    Called inside a test database (a benchmark run from a test), it is a transaction rolled back at the end."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import (
        override_settings,
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    settings_dict = connection.settings_dict
    if settings_dict["NAME"] == connection.creation._get_test_db_name() or str(settings_dict["NAME"]).startswith(
            ("test_", "file:memorydb")):
        with transaction.atomic():
            yield "existing test database"
            transaction.set_rollback(True)
        return
    test_settings = settings_dict.setdefault("TEST", {})
    saved_name = test_settings.get("NAME")
    if connection.vendor == "sqlite" and not saved_name:
        bench_dir = settings.VAR_DIR / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        test_settings["NAME"] = str(bench_dir / f"{label}.sqlite3")
    try:
        setup_test_environment(debug=False)
        environment = True
    except RuntimeError:  # already inside a test run
        environment = False
    try:
        with override_settings(MIGRATION_MODULES=_NoMigrations()):
            old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        try:
            yield f"{connection.vendor} {connection.settings_dict['NAME']}"
        finally:
            teardown_databases(old_config, verbosity=0)
    finally:
        if environment:
            teardown_test_environment()
        test_settings["NAME"] = saved_name  # put back, never pop: Django reads TEST["NAME"] afterwards
