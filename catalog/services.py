"""Writes to the catalog: loading a release from the YAML files. Nothing else writes catalog rows.

`catalog_load` validates every file first (CatalogError, nothing written), then in one
transaction upserts frameworks, questions, controls and threats, retires templates that left
the data (rows are never deleted), records a CatalogRelease with the diff, and, when threats
changed, queues the release hooks of catalog.events for after commit. Same files => no-op.

Versions are `YYYY.MM.N`: the year and month of the load, and N counting the releases loaded
in that month on this database (2026.11.1, 2026.11.2, ...). The checksum identifies content.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import events
from .loader import LoadedCatalog, read_catalog
from .models import CatalogRelease, ControlTemplate, Framework, FrameworkItem, Question, ThreatTemplate

ADVISORY_LOCK_ID = 0x43415441  # "CATA": serialises concurrent loads on PostgreSQL


@dataclass(frozen=True)
class LoadResult:
    release: CatalogRelease
    created: bool  # False when the files were unchanged since the latest release

    @property
    def summary(self) -> dict:
        return self.release.summary


def next_version(now: datetime) -> str:
    month = f"{now:%Y.%m}."
    taken = CatalogRelease.objects.filter(version__startswith=month).values_list("version", flat=True)
    n = max((int(v.rsplit(".", 1)[1]) for v in taken if v.rsplit(".", 1)[1].isdigit()), default=0)
    return f"{month}{n + 1}"


def catalog_load(*, data_dir: Path | None = None, now: datetime | None = None) -> LoadResult:
    """Load the catalog files as a new release (or return the latest one if unchanged).

    Raises catalog.exceptions.CatalogError listing every problem before anything is written.
    """
    loaded = read_catalog(Path(data_dir or settings.CATALOG_DATA_DIR))
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_ID])
        latest = CatalogRelease.objects.order_by("-id").first()
        if latest is not None and latest.checksum == loaded.checksum:
            return LoadResult(latest, False)
        release = CatalogRelease.objects.create(version=next_version(now), checksum=loaded.checksum, loaded_at=now)
        items = _load_frameworks(loaded)
        _load_questions(loaded)
        controls = _load_templates(ControlTemplate, loaded.controls, release, items, CONTROL_FIELDS)
        threats = _load_templates(ThreatTemplate, loaded.threats, release, items, THREAT_FIELDS)
        _link_threat_controls(loaded, threats["written"])
        release.summary = {
            "previous": latest.version if latest else None,
            "threats": {k: threats[k] for k in ("added", "changed", "removed")},
            "controls": {k: controls[k] for k in ("added", "changed", "removed")},
            "counts": {"threats": len(loaded.threats), "controls": len(loaded.controls),
                       "frameworks": len(loaded.frameworks), "items": sum(map(len, loaded.items.values())),
                       "questions": len(loaded.questions)},
            "files": list(loaded.files),
        }
        release.save(update_fields=["summary"])
        if release.threats_changed:
            events.catalog_released(release.id)
    return LoadResult(release, True)


def _load_frameworks(loaded: LoadedCatalog) -> dict[tuple[str, str], int]:
    """Upsert frameworks and items (items that left the data are retired); {(key, ref): item id}."""
    existing = {f.key: f for f in Framework.objects.all()}
    for key, data in loaded.frameworks.items():
        fields = {k: data[k] for k in ("name", "version", "url", "position", "attribution", "generative_only")}
        framework = existing.get(key)
        if framework is None:
            existing[key] = Framework.objects.create(key=key, **fields)
        elif any(getattr(framework, k) != v for k, v in fields.items()):
            Framework.objects.filter(pk=framework.pk).update(**fields)
    rows = {(i.framework_id, i.ref): i for i in FrameworkItem.objects.all()}
    create, update = [], []
    for key, items in loaded.items.items():
        framework = existing[key]
        for ref, data in items.items():
            row = rows.get((framework.pk, ref))
            if row is None:
                create.append(FrameworkItem(framework=framework, ref=ref, title=data["title"], kind=data["kind"],
                                            position=data["position"]))
            elif (row.title, row.kind, row.position, row.retired) != (data["title"], data["kind"], data["position"],
                                                                      False):
                row.title, row.kind, row.position, row.retired = data["title"], data["kind"], data["position"], False
                update.append(row)
    FrameworkItem.objects.bulk_create(create)
    FrameworkItem.objects.bulk_update(update, ["title", "kind", "position", "retired"])
    keys = {f.pk: f.key for f in existing.values()}
    ids = {(keys[i.framework_id], i.ref): i.pk for i in FrameworkItem.objects.only("id", "framework_id", "ref")}
    present = {(key, ref) for key, items in loaded.items.items() for ref in items}
    FrameworkItem.objects.filter(pk__in=[pk for k, pk in ids.items() if k not in present]).update(retired=True)
    parents = []
    for key, items in loaded.items.items():
        for ref, data in items.items():
            parent_id = ids[(key, data["parent"])] if data["parent"] else None
            parents.append(FrameworkItem(pk=ids[(key, ref)], parent_id=parent_id))
    FrameworkItem.objects.bulk_update(parents, ["parent"])
    return ids


def _load_questions(loaded: LoadedCatalog) -> None:
    # Questions are referenced by nothing (answers are JSON keyed by question key): replace them.
    Question.objects.all().delete()
    Question.objects.bulk_create([Question(**entry) for entry in loaded.question_entries])


CONTROL_FIELDS = ("title", "description", "verification", "kind", "guidance")
THREAT_FIELDS = ("title", "description", "applies_to", "rule", "category", "phase", "default_likelihood",
                 "default_impact", "likelihood_rationale", "impact_rationale", "privacy_relevant", "adjust", "in_place",
                 "mapping_notes", "references", "detection", "probes")


def _load_templates(model, entries: dict[str, dict], release: CatalogRelease, items: dict,
                    fields: tuple[str, ...]) -> dict:
    """Upsert templates by ref, retire the ones that left; diff {added, changed, removed, written}."""
    existing = {t.ref: t for t in model.objects.all()}
    added, changed, written = [], [], []
    update_fields = ["content_hash", "changed_in", "retired", "position", *fields]
    to_create, to_update, positions = [], [], []
    for ref, data in entries.items():
        row = existing.get(ref)
        if row is None or row.retired or row.content_hash != data["content_hash"]:
            (added if row is None or row.retired else changed).append(ref)
            values = {k: data[k] for k in fields}
            if row is None:
                row = model(ref=ref, **values)
                to_create.append(row)
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                to_update.append(row)
            row.content_hash, row.changed_in, row.retired, row.position = (data["content_hash"], release, False,
                                                                           data["position"])
            written.append(row)
        elif row.position != data["position"]:
            row.position = data["position"]
            positions.append(row)
    model.objects.bulk_create(to_create)
    if to_update:
        model.objects.bulk_update(to_update, update_fields)
    if positions:
        model.objects.bulk_update(positions, ["position"])
    removed = sorted(ref for ref, row in existing.items() if not row.retired and ref not in entries)
    model.objects.filter(ref__in=removed).update(retired=True, changed_in=release)
    # Mappings are part of the content hash: rewrite them only for templates that were written.
    if written:
        refs = {row.ref for row in written}
        rows = {t.ref: t.pk for t in model.objects.filter(ref__in=refs).only("id", "ref")}
        through = model.mappings.through
        owner = f"{model._meta.model_name}_id"
        through.objects.filter(**{f"{owner}__in": rows.values()}).delete()
        through.objects.bulk_create([
            through(**{owner: rows[ref], "frameworkitem_id": items[(fw, item)]})
            for ref in refs for fw, item in entries[ref]["mappings"]
        ])
        written = [(ref, rows[ref]) for ref in refs]
    return {"added": sorted(added), "changed": sorted(changed), "removed": removed, "written": written}


def _link_threat_controls(loaded: LoadedCatalog, written: list[tuple[str, int]]) -> None:
    if not written:
        return
    controls = dict(ControlTemplate.objects.values_list("ref", "id"))
    through = ThreatTemplate.controls.through
    through.objects.filter(threattemplate_id__in=[pk for _, pk in written]).delete()
    through.objects.bulk_create([
        through(threattemplate_id=pk, controltemplate_id=controls[ref])
        for threat_ref, pk in written for ref in loaded.threats[threat_ref]["controls"]
    ])
