"""Writes of the import: upload (preview), confirm (then apply, in the background), discard.

Keyword-only, validated, transactional.

An upload is read, checked and stored as a preview (``ImportRecord``): nothing of the register is
written until the person confirms. Confirming queues the apply, which writes the plan in one
transaction through the register's services (each records its audit event) and records a
``system.imported`` event; a large model takes a worker minutes, never a web request. If the
team imported the same file, or another version of the same model, before, the preview says so and
confirming updates that system (``mode="update"``, the default) instead of creating a duplicate;
``mode="new"`` makes a separate copy on purpose.

Problems with the file are ``ImportProblem`` (a JSON path and a message); problems with the request
(a wrong kind, a preview already used) are ``ValidationError`` naming the field.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from threatmodel.exceptions import Conflict
from threatmodel.models import AISystem, Role
from threatmodel.queue import enqueue
from threatmodel.services.common import require_role

from ..models import ImportRecord, ImportStatus
from . import detect, preview
from .apply import apply_prepared
from .errors import ImportProblem
from .prepare import clean_kinds, prepare

PREVIEW_TTL = timedelta(days=1)
MODES = ("update", "new")


SECTIONS = ("components", "flows", "risks", "mitigations")
# How an upload was recognised as a model imported before (ImportRecord.summary["identity"]):
SAME_FILE, SAME_ELEMENTS, NAME_ONLY = "same_file", "same_elements", "name_only"
RECOGNISED = (SAME_FILE, SAME_ELEMENTS)


def plan_ids(plan) -> set[str]:
    return {str(x.source_id) for section in SECTIONS for x in getattr(plan, section) if x.source_id}


def mapping_ids(mapping: dict | None) -> set[str]:
    return {str(k) for section in SECTIONS for k in ((mapping or {}).get(section) or {})}


def identify(team, *, sha256: str, source_key: str, fmt: str, ids: set[str],
             exclude_pk=None) -> tuple[ImportRecord | None, str]:
    """The team's applied import this upload is a version of, and how that was decided.

    The same file (SHA-256) is the same model. Otherwise a model is the same only when its identity in the
    tool (``source_key``: a title, an application name, a project id) matches **and** the file shares
    element ids with the earlier import (Threat Dragon cell ids, Threat Composer threat ids, OTM ids): many
    unrelated workspaces are called "Threat composer". A name match alone is returned as NAME_ONLY: the
    preview asks, and the default is a new system.
    """
    qs = ImportRecord.objects.filter(team=team, status=ImportStatus.APPLIED, system__isnull=False)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    qs = qs.select_related("system").order_by("-applied_at", "-id")
    same_file = qs.filter(sha256=sha256).first()
    if same_file is not None:
        return same_file, SAME_FILE
    if not source_key:
        return None, ""
    candidates = list(qs.filter(source_key=source_key, format=fmt)[:20])
    for candidate in candidates:
        if ids & mapping_ids(candidate.mapping):
            return candidate, SAME_ELEMENTS
    return (candidates[0], NAME_ONLY) if candidates else (None, "")


def earlier_import(team, *, sha256: str, source_key: str, fmt: str, exclude_pk=None, ids=None) -> ImportRecord | None:
    """The earlier import this upload updates by default (the same file, or the same model by identity)."""
    record, how = identify(team, sha256=sha256, source_key=source_key, fmt=fmt, ids=set(ids or ()),
                           exclude_pk=exclude_pk)
    return record if how in RECOGNISED else None


def default_mode(record: ImportRecord) -> str:
    return "new" if (record.summary or {}).get("identity") == NAME_ONLY else "update"


@dataclass
class Staged:
    """A preview, read again from the stored upload: what the page and the API show."""

    record: ImportRecord
    prepared: object
    target: AISystem | None
    earlier: ImportRecord | None
    existing: dict

    def as_dict(self) -> dict:
        return preview.build(self.record, self.prepared, target=self.target, existing=self.existing,
                             earlier=self.earlier)


def stage(record: ImportRecord, *, kinds: dict | None = None, mode: str | None = None) -> Staged:
    """Parse the stored upload and prepare it against the team as it is now (reads only). Without a
    ``mode``, a recognised model is updated and a name-only match makes a new system."""
    mode = mode or default_mode(record)
    plan = detect.read(record.content.encode("utf-8"), filename=record.filename, forced=record.format)
    earlier = record.update_of if record.update_of_id and record.update_of.system_id else None
    if earlier is not None and earlier.status != ImportStatus.APPLIED:
        earlier = None
    target = earlier.system if earlier is not None and mode == "update" else None
    existing = preview.existing_objects(target, earlier.mapping if target else None)
    chosen = {**preview.kind_defaults(plan, existing), **clean_kinds(plan, kinds)}
    prepared = prepare(plan, team=record.team, kinds=chosen)
    return Staged(record, prepared, target, earlier, existing)


def import_preview(*, actor, team, data: bytes, filename: str = "", forced_format: str | None = None) -> ImportRecord:
    """Read and check an upload; store it as a preview. Raises ImportProblem for a bad file."""
    require_role(actor, team, Role.CONTRIBUTOR)
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:255]
    plan = detect.read(data, filename=filename, forced=forced_format)
    prepare(plan, team=team)  # the object limits and references: a bad file fails here, not at confirm
    digest = hashlib.sha256(data).hexdigest()
    earlier, how = identify(team, sha256=digest, source_key=plan.source_key[:300], fmt=plan.format,
                            ids=plan_ids(plan))
    with transaction.atomic():
        ImportRecord.objects.filter(team=team, status=ImportStatus.PREVIEW,
                                    created_at__lt=timezone.now() - PREVIEW_TTL).delete()
        record = ImportRecord.objects.create(
            team=team, created_by=actor if getattr(actor, "pk", None) else None, status=ImportStatus.PREVIEW,
            format=plan.format, filename=filename, size=len(data), sha256=digest, source_key=plan.source_key[:300],
            title=plan.system.name[:300], content=bytes(data).decode("utf-8").removeprefix("\ufeff"),
            update_of=earlier, summary={"counts": plan.counts(), "identity": how})
    return record


def import_confirm(*, actor, record: ImportRecord, kinds: dict | None = None, mode: str | None = None,
                   background: bool = True) -> ImportRecord:
    """Confirm a preview: check the choices now, then apply in the background (``background=False``: here).

    The apply is one transaction in the worker (``import_apply``); until it commits the record is
    ``applying``. In eager mode (the embedded default) it has already run when this returns.
    """
    require_role(actor, record.team, Role.CONTRIBUTOR)
    if mode is not None and mode not in MODES:
        raise ValidationError({"mode": f"'{str(mode)[:20]}' is not one of {', '.join(MODES)}."})
    with transaction.atomic():
        record = ImportRecord.objects.select_for_update(of=("self",)).select_related(
            "team", "update_of__system").get(pk=record.pk)
        if record.status != ImportStatus.PREVIEW:
            raise Conflict({"status": f"This import is already {record.get_status_display().lower()}."})
        stage(record, kinds=kinds, mode=mode)  # a bad choice or a file the catalog no longer accepts fails here
        record.status = ImportStatus.APPLYING
        record.options = {"kinds": dict(kinds or {}), "mode": mode,
                          "actor": actor.pk if getattr(actor, "pk", None) else None}
        record.error = {}
        record.save(update_fields=["status", "options", "error"])
        if background:
            enqueue("assessments.interop.apply_import", record.pk)
    if not background:
        import_apply(record_id=record.pk, raise_problems=True)
    record.refresh_from_db()
    return record


def import_apply(*, record_id: int, raise_problems: bool = False) -> str:
    """Apply a confirmed import in one transaction. Safe to run twice: only an ``applying`` record is applied.

    A problem (the file, or a service refusing a value) rolls everything back and returns the record to
    ``preview`` with the problem in ``error``; ``raise_problems`` also raises it (the command line).
    """
    try:
        with transaction.atomic():
            record = (ImportRecord.objects.select_for_update(of=("self",)).select_related("team", "update_of__system")
                      .filter(pk=record_id).first())
            if record is None or record.status != ImportStatus.APPLYING:
                return "skipped"
            options = record.options or {}
            actor = get_user_model().objects.filter(pk=options["actor"]).first() if options.get("actor") else None
            require_role(actor, record.team, Role.CONTRIBUTOR)
            staged = stage(record, kinds=options.get("kinds"), mode=options.get("mode"))
            target = staged.target
            if target is not None:
                target = AISystem.objects.select_for_update().select_related("team").get(pk=target.pk)
            mapping = staged.earlier.mapping if target is not None else None
            result = apply_prepared(actor=actor, team=record.team, prepared=staged.prepared, system=target,
                                    mapping=mapping, file_sha256=record.sha256)
            merged = {section: {**((mapping or {}).get(section) or {}), **ids}
                      for section, ids in result.mapping.items()}
            record.status = ImportStatus.APPLIED
            record.system = result.system
            record.mapping = merged
            if target is None:
                record.update_of = None
            record.summary = {"counts": staged.prepared.plan.counts(), "mode": "update" if target else "new",
                              "identity": (record.summary or {}).get("identity", ""), **result.summary()}
            record.content = ""
            record.applied_at = timezone.now()
            record.save()
        return "applied"
    except (ImportProblem, ValidationError, PermissionDenied) as exc:
        if isinstance(exc, ImportProblem):
            error = exc.as_dict()
        else:
            error = {"path": "$", "message": "; ".join(getattr(exc, "messages", None) or [str(exc)])}
        ImportRecord.objects.filter(pk=record_id, status=ImportStatus.APPLYING).update(
            status=ImportStatus.PREVIEW, error=error)
        if raise_problems:
            raise
        return "failed"


def import_discard(*, actor, record: ImportRecord) -> ImportRecord:
    require_role(actor, record.team, Role.CONTRIBUTOR)
    with transaction.atomic():
        record = ImportRecord.objects.select_for_update().get(pk=record.pk)
        if record.status != ImportStatus.PREVIEW:
            raise Conflict({"status": f"This import was already {record.get_status_display().lower()}."})
        record.status = ImportStatus.DISCARDED
        record.content = ""
        record.save(update_fields=["status", "content"])
    return record
