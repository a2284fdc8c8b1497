"""Writes on privacy assessments: save answers (with confirm / reset of inferred ones) and the DPO sign-off.

Keyword-only, validated (ValidationError names the field), one transaction, one audit event each.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from threatmodel.audit import audit_record, diff
from threatmodel.models import AISystem, Role
from threatmodel.services.common import check_version, require_role

from ..models.privacy import PrivacyAssessment
from ..services.common import clean_text, user_ref
from . import dpia, vocab
from .dpia import screening_for
from .resolve import next_provenance, resolve
from .schema import FIELDS, INFERABLE_PATHS, clean_values
from .selectors import privacy_state, stored_values

AUDITED = (*FIELDS, "provenance", "dpia_result", "dpia_criteria_met")


def _paths(cleaned: dict) -> dict:
    """Submitted values keyed by path (each DPIA criterion is its own path)."""
    out = {}
    for name, value in cleaned.items():
        if name == "dpia_criteria":
            for key, entry in value.items():
                out[f"dpia_criteria.{key}"] = entry
        else:
            out[name] = value
    return out


def _check_paths(paths: Iterable[str], field: str) -> set[str]:
    if paths is None:
        return set()
    if isinstance(paths, str) or not isinstance(paths, Iterable):
        raise ValidationError({field: "Must be a list of answer paths."})
    paths = set(paths)
    bad = sorted(str(p) for p in paths if p not in INFERABLE_PATHS)
    if bad:
        raise ValidationError({field: [f"'{p}' is not an answer that can be inferred "
                                       f"(one of {', '.join(INFERABLE_PATHS)})." for p in bad]})
    return paths


def _snapshot(a: PrivacyAssessment | None) -> dict:
    if a is None:
        return {}
    return {name: getattr(a, name) for name in AUDITED}


def _locked(system: AISystem) -> tuple[AISystem, PrivacyAssessment | None]:
    system = AISystem.objects.select_for_update().select_related("team").get(pk=system.pk)
    return system, PrivacyAssessment.objects.select_for_update().filter(system=system).first()


def privacy_assessment_save(*, actor, system: AISystem, values: dict | None = None,
                            confirm: Iterable[str] = (), reset: Iterable[str] = (),
                            expected_version: int | None = None) -> PrivacyAssessment:
    """Save the answers given in ``values`` (fields left out keep theirs).

    ``confirm`` lists inferred answers the person accepts (submitted or current value); ``reset``
    hands answers back to the model. A value equal to the inference stays inferred unless confirmed.
    ``expected_version`` 0 means "create": the system has no assessment yet.
    """
    require_role(actor, system.team, Role.CONTRIBUTOR)
    errors: dict[str, list[str]] = {}
    paths: dict = {}
    for name, check in (("values", lambda: clean_values(values or {}, partial_criteria=True)),
                        ("confirm", lambda: _check_paths(confirm, "confirm")),
                        ("reset", lambda: _check_paths(reset, "reset"))):
        try:
            paths[name] = check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    cleaned, confirm, reset = paths["values"], paths["confirm"], paths["reset"]
    both = sorted(confirm & reset)
    if both:
        raise ValidationError({"reset": [f"'{p}' cannot be confirmed and reset at once." for p in both]})
    with transaction.atomic():
        system, assessment = _locked(system)
        check_version(assessment or PrivacyAssessment(system=system, version=0), expected_version)
        state = privacy_state(system, assessment, fetch=False)
        before = _snapshot(assessment)
        submitted = _paths(cleaned)
        provenance = next_provenance(state.resolved, assessment.provenance if assessment else {}, submitted,
                                     confirm, reset)
        stored = stored_values(assessment)
        for path in confirm - set(submitted):
            submitted[path] = state.resolved.answers[path].value
        for path, value in submitted.items():
            name, _, key = path.partition(".")
            if key:
                stored[name] = {**(stored.get(name) or {}), key: value}
            else:
                stored[name] = value
        resolved = resolve(stored, provenance, state.inferred)
        screening = screening_for(resolved)
        created = assessment is None
        if created:
            assessment = PrivacyAssessment(system=system)
        for name in FIELDS:
            setattr(assessment, name, stored[name])
        assessment.dpia_criteria = {k: stored["dpia_criteria"].get(k, {"applies": None, "note": ""})
                                    for k in vocab.CRITERION_KEYS}
        assessment.provenance = provenance
        assessment.dpia_result = screening.result
        assessment.dpia_criteria_met = screening.applies
        changed = diff(before, _snapshot(assessment))
        if not created and not changed:
            return assessment
        if not created:
            assessment.version += 1
        assessment.full_clean(exclude=["system"])
        assessment.save()
        audit_record(team=system.team, actor=actor, action="privacy.created" if created else "privacy.updated",
                     obj=assessment, changes=changed)
    return assessment


def privacy_sign_off(*, actor, system: AISystem, comment: str = "",
                     expected_version: int | None = None) -> PrivacyAssessment:
    """The DPO / privacy officer signs off the assessment as it stands (who, when, which version)."""
    require_role(actor, system.team, Role.CONTRIBUTOR)
    if actor is None:
        raise ValidationError({"signed_off_by": "A sign-off needs a person."})
    comment = clean_text(comment, "sign_off_comment", max_length=2000)
    with transaction.atomic():
        system, assessment = _locked(system)
        if assessment is None:
            raise ValidationError({"non_field_errors": "Save the privacy assessment before signing it off."})
        check_version(assessment, expected_version)
        screening = privacy_state(system, assessment, fetch=False).screening
        if screening.result == dpia.UNDETERMINED:
            raise ValidationError({"dpia_criteria": "The DPIA screening is incomplete: answer the open criteria "
                                                    "before signing off."})
        before = {"signed_off_by": user_ref(assessment.signed_off_by),
                  "signed_off_version": assessment.signed_off_version, "sign_off_comment": assessment.sign_off_comment}
        assessment.version += 1
        assessment.signed_off_by = actor
        assessment.signed_off_label = (actor.get_full_name() or "").strip() or actor.get_username()
        assessment.signed_off_at = timezone.now()
        assessment.signed_off_version = assessment.version
        assessment.sign_off_comment = comment
        assessment.save()
        after = {"signed_off_by": user_ref(actor), "signed_off_version": assessment.version,
                 "sign_off_comment": comment}
        audit_record(team=system.team, actor=actor, action="privacy.signed_off", obj=assessment,
                     changes=diff(before, after) | {"dpia_result": [None, screening.result]})
    return assessment
