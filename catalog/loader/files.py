"""Reading the catalog directory: which file is which, its YAML, and the checksum of the whole."""

import hashlib
from pathlib import Path

import yaml

try:  # the C loader is ~10x faster; same safe subset of YAML
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader

# file kind -> its one top-level key (docs/catalog-format.md)
TOP_LEVEL = {"framework": ("framework", "items"), "questions": ("questions",), "scoring": ("adjustments",),
             "controls": ("controls",), "threats": ("threats",)}


def file_kind(name: str) -> str | None:
    stem = name.rsplit(".", 1)[0]
    if stem.startswith("framework_"):
        return "framework"
    if stem == "questions":
        return "questions"
    if stem == "scoring":
        return "scoring"
    if stem.startswith("controls"):
        return "controls"
    if stem.startswith("threats"):
        return "threats"
    return None


def catalog_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in Path(data_dir).iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def checksum(files: list[tuple[str, bytes]]) -> str:
    """SHA-256 over every file's name and bytes, in name order: any edit makes a new release."""
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def read_files(data_dir: Path) -> tuple[list[tuple[str, bytes]], list[str]]:
    """[(file name, bytes)] of the catalog directory, and errors (missing directory, no files)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return [], [f"{data_dir}: not a directory"]
    files = [(p.name, p.read_bytes()) for p in catalog_files(data_dir)]
    if not files:
        return [], [f"{data_dir}: no *.yaml files"]
    return files, []


def parse_yaml(name: str, data: bytes) -> tuple[dict | None, list[str]]:
    kind = file_kind(name)
    if kind is None:
        return None, [f"{name}: unexpected file: catalog files are framework_*.yaml, questions.yaml, "
                      "scoring.yaml, controls*.yaml and threats*.yaml"]
    try:
        doc = yaml.load(data.decode("utf-8"), Loader=SafeLoader)  # noqa: S506 - SafeLoader / CSafeLoader
    except UnicodeDecodeError as exc:
        return None, [f"{name}: not UTF-8 text ({exc.reason})"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "yaml"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [f"{name}: {where}: invalid YAML: {problem}"]
    expected = TOP_LEVEL[kind]
    if not isinstance(doc, dict):
        return None, [f"{name}: top level must be a mapping with {', '.join(expected)}"]
    errors = [f"{name}: missing top-level key '{k}'" for k in expected if k not in doc]
    errors += [f"{name}: unexpected top-level key '{k}' (expected {', '.join(expected)})"
               for k in doc if k not in expected]
    return (None if errors else doc), errors
