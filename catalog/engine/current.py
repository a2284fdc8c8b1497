"""The catalog in force: compiled from the latest CatalogRelease, or from the files before any load.

The only part of the engine that touches Django (imported lazily, so evaluation stays pure).
Cached per process by release id and checksum, so a new release is picked up on the next call.
"""

import threading
from pathlib import Path

from .compiled import CompiledCatalog, compile_catalog

_lock = threading.Lock()
_cache: dict[tuple, CompiledCatalog] = {}


def catalog_from_files(data_dir: Path | None = None) -> CompiledCatalog:
    """Validate and compile the YAML files (CatalogError if they are invalid). Not cached."""
    from ..loader import read_catalog

    if data_dir is None:
        from django.conf import settings

        data_dir = settings.CATALOG_DATA_DIR
    loaded = read_catalog(Path(data_dir))
    return compile_catalog(loaded.questions, loaded.threats.values(), checksum=loaded.checksum)


def _files_stamp(data_dir: Path) -> tuple:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(Path(data_dir).glob("*.y*ml")))


def _compile_release(release) -> CompiledCatalog:
    from django.db.models import Prefetch

    from ..models import ControlTemplate, FrameworkItem, ThreatTemplate
    from ..questions import Question
    from ..selectors import question_rows

    questions = {
        (q.scope, q.key): Question(q.scope, q.key, q.label, q.help, q.type,
                                   tuple((c["value"], c["label"]) for c in q.choices))
        for q in question_rows()
    }
    templates = ThreatTemplate.objects.filter(retired=False).order_by("position", "ref").prefetch_related(
        Prefetch("mappings", queryset=FrameworkItem.objects.select_related("framework").order_by(
            "framework__position", "position")),
        Prefetch("controls", queryset=ControlTemplate.objects.only("id", "ref").order_by("ref")),
    )
    threats = [
        {"ref": t.ref, "title": t.title, "applies_to": t.applies_to, "rule": t.rule, "category": t.category,
         "default_likelihood": t.default_likelihood, "default_impact": t.default_impact,
         "privacy_relevant": t.privacy_relevant, "phase": t.phase, "adjust": t.adjust, "in_place": t.in_place,
         "mappings": [(m.framework.key, m.ref) for m in t.mappings.all()],
         "controls": [c.ref for c in t.controls.all()]}
        for t in templates
    ]
    return compile_catalog(questions, threats, release_id=release.id, version=release.version,
                           checksum=release.checksum, source="database")


def current_catalog() -> CompiledCatalog:
    """The compiled catalog of the latest release (non-retired templates); before the first
    `load_catalog`, the one compiled from settings.CATALOG_DATA_DIR (so tests need no load)."""
    from django.conf import settings

    from ..models import CatalogRelease

    release = CatalogRelease.objects.order_by("-id").only("id", "version", "checksum").first()
    if release is not None:
        key: tuple = ("release", release.id, release.checksum)
    else:
        key = ("files", str(settings.CATALOG_DATA_DIR), _files_stamp(settings.CATALOG_DATA_DIR))
    compiled = _cache.get(key)
    if compiled is not None:
        return compiled
    with _lock:
        compiled = _cache.get(key)
        if compiled is None:
            compiled = _compile_release(release) if release is not None else catalog_from_files()
            _cache.clear()  # one catalog in force at a time
            _cache[key] = compiled
    return compiled


def clear_cache() -> None:
    _cache.clear()
