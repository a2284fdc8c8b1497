"""Shared by the benchmarks: one result row, and the table `python -m tests.bench` prints."""

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
