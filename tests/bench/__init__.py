"""Benchmarks, run by `make bench` (`python -m tests.bench`); not part of the test suite.

Each `bench_*.py` module here exposes `run() -> list[dict]`, one dict per figure:
{name, value, unit, target, anchor, ratio, ok} (see tests.bench.common.result).
"""
