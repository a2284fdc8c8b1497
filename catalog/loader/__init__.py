"""Read and validate the catalog directory (pure Python, no database).

`read_catalog(data_dir)` returns a `LoadedCatalog` or raises `CatalogError` listing every error
as "file: entry: message"; `catalog.services.catalog_load` writes a LoadedCatalog to the DB.
"""

from dataclasses import dataclass
from pathlib import Path

from ..exceptions import CatalogError
from ..questions import Question
from .checks import catalog_checks
from .files import checksum, file_kind, parse_yaml, read_files
from .validate import FRAMEWORK_KEYS, Validator

__all__ = ["FRAMEWORK_KEYS", "CatalogError", "LoadedCatalog", "read_catalog"]


@dataclass(frozen=True)
class LoadedCatalog:
    checksum: str
    files: tuple[str, ...]
    frameworks: dict[str, dict]  # key -> {key, name, version, url, position, source}
    items: dict[str, dict[str, dict]]  # framework key -> ref -> {ref, title, kind, parent, position}
    questions: dict[tuple[str, str], Question]
    question_entries: list[dict]  # [{scope, key, label, help, type, choices, position}]
    controls: dict[str, dict]  # ref -> normalised control (see validate.Validator.control_file)
    threats: dict[str, dict]  # ref -> normalised threat (see validate.Validator._threat)


# Order matters: mappings need frameworks, rules need questions, threats need controls.
ORDER = ("framework", "questions", "scoring", "controls", "threats")


def read_catalog(data_dir: Path) -> LoadedCatalog:
    files, errors = read_files(data_dir)
    docs: dict[str, list[tuple[str, dict]]] = {kind: [] for kind in ORDER}
    for name, data in files:
        doc, problems = parse_yaml(name, data)
        errors.extend(problems)
        if doc is not None:
            docs[file_kind(name)].append((name, doc))
    v = Validator()
    for name, doc in docs["framework"]:
        v.framework(name, doc)
    if files and len(docs["questions"]) != 1 and not errors:
        v.error(str(data_dir), "needs exactly one questions.yaml")
    for name, doc in docs["questions"]:
        v.questionnaire(name, doc)
    for name, doc in docs["scoring"]:
        v.scoring(name, doc)
    for name, doc in docs["controls"]:
        v.control_file(name, doc)
    for name, doc in docs["threats"]:
        v.threat_file(name, doc)
    if not errors and not v.errors:
        v.errors.extend(catalog_checks(v))
    errors.extend(v.errors)
    if errors:
        raise CatalogError(errors)
    return LoadedCatalog(checksum=checksum(files), files=tuple(n for n, _ in files), frameworks=v.frameworks,
                         items=v.items, questions=v.questions, question_entries=v.question_entries,
                         controls=v.controls, threats=v.threats)
