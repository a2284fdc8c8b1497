"""Writes on privacy assessments: save answers (with confirm / reset of inferred ones) and the DPO sign-off.

Keyword-only, validated (ValidationError names the field), one transaction, one audit event each.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from threatmodel.audit import audit_record, diff
from threatmodel.models import AISystem, Membership, Role
from threatmodel.services.common import check_version, require_role

from ..models.privacy import DataProtectionOfficer, PrivacyAssessment
from ..services.common import clean_text, to_date, user_ref
from . import dpia, vocab
from .dpia import screening_for
from .resolve import next_provenance, resolve
from .schema import FIELDS, INFERABLE_PATHS, clean_values
from .selectors import infer_for, is_dpo, privacy_state, stored_values

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
        resolved = resolve(stored, provenance, infer_for(system, stored, provenance))
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


def dpo_designate(*, actor, team, user, remove: bool = False) -> None:
    """A team owner designates (or removes) a member as data protection officer."""
    require_role(actor, team, Role.OWNER)
    if not Membership.objects.filter(team=team, user=user).exists():
        raise ValidationError({"user": "Only a member of the team can be its data protection officer."})
    with transaction.atomic():
        if remove:
            deleted, _ = DataProtectionOfficer.objects.filter(team=team, user=user).delete()
            if deleted:
                audit_record(team=team, actor=actor, action="privacy.dpo_removed", obj=team,
                             changes={"dpo": [user_ref(user), None]})
            return
        _, created = DataProtectionOfficer.objects.get_or_create(
            team=team, user=user, defaults={"designated_by": actor if getattr(actor, "pk", None) else None})
        if created:
            audit_record(team=team, actor=actor, action="privacy.dpo_designated", obj=team,
                         changes={"dpo": [None, user_ref(user)]})


def privacy_dpo_advice(*, actor, system: AISystem, advice: str,
                       expected_version: int | None = None) -> PrivacyAssessment:
    """The DPO's advice on the DPIA (ICO step 7). Only a member designated as DPO of the team may give it."""
    require_role(actor, system.team, Role.VIEWER)
    if not is_dpo(actor, system.team):
        raise ValidationError({"dpo_advice": "Only the team's data protection officer can give the DPO's advice."})
    advice = clean_text(advice, "dpo_advice", max_length=8000)
    if not advice:
        raise ValidationError({"dpo_advice": "Write the advice."})
    with transaction.atomic():
        system, assessment = _locked(system)
        if assessment is None:
            raise ValidationError({"non_field_errors": "Save the privacy assessment before the DPO advises on it."})
        check_version(assessment, expected_version)
        before = {"dpo_advice": assessment.dpo_advice, "dpo_advice_by": user_ref(assessment.dpo_advice_by)}
        assessment.dpo_advice, assessment.dpo_advice_by = advice, actor
        assessment.dpo_advice_label = _label(actor)
        assessment.dpo_advice_followed, assessment.dpo_overruled_reason = None, ""
        assessment.version += 1
        assessment.save()
        audit_record(team=system.team, actor=actor, action="privacy.dpo_advised", obj=assessment,
                     changes=diff(before, {"dpo_advice": advice, "dpo_advice_by": user_ref(actor)}))
    return assessment


def _label(user) -> str:
    return (user.get_full_name() or "").strip() or user.get_username()


def privacy_sign_off(*, actor, system: AISystem, measures_approved_by: str = "", residual_approved_by: str = "",
                     dpo_advice_followed: bool | None = None, dpo_overruled_reason: str = "", review_date=None,
                     comment: str = "", expected_version: int | None = None) -> PrivacyAssessment:
    """ICO step 7: sign the DPIA off as it stands, recording who approved the measures and the residual
    risks, whether the DPO's advice was followed (why not, if overruled) and when it is reviewed next.

    Refused while the screening is incomplete, while any answer is still inferred (nobody confirmed it),
    or before the DPO gave advice.
    """
    require_role(actor, system.team, Role.CONTRIBUTOR)
    if actor is None:
        raise ValidationError({"signed_off_by": "A sign-off needs a person."})
    comment = clean_text(comment, "sign_off_comment", max_length=2000)
    measures = clean_text(measures_approved_by, "measures_approved_by", max_length=150)
    residual = clean_text(residual_approved_by, "residual_approved_by", max_length=150)
    overruled = clean_text(dpo_overruled_reason, "dpo_overruled_reason", max_length=4000)
    review = to_date(review_date, "review_date")
    errors = {}
    if not measures:
        errors["measures_approved_by"] = "Name who approved the measures."
    if not residual:
        errors["residual_approved_by"] = "Name who approved the residual risks."
    if dpo_advice_followed not in (True, False):
        errors["dpo_advice_followed"] = "Say whether the DPO's advice was followed."
    elif dpo_advice_followed is False and not overruled:
        errors["dpo_overruled_reason"] = "Give the reason the DPO's advice was overruled."
    if review is None:
        errors["review_date"] = "Set the date of the next review."
    elif review <= timezone.localdate():
        errors["review_date"] = "The review date must be in the future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        system, assessment = _locked(system)
        if assessment is None:
            raise ValidationError({"non_field_errors": "Save the privacy assessment before signing it off."})
        check_version(assessment, expected_version)
        state = privacy_state(system, assessment, fetch=False)
        if state.screening.result == dpia.UNDETERMINED:
            raise ValidationError({"dpia_criteria": "The DPIA screening is incomplete: answer the open criteria "
                                                    "before signing off."})
        inferred = state.resolved.inferred_paths()
        if inferred:
            raise ValidationError({"confirm": f"Confirm or correct the answers still inferred from the model before "
                                              f"signing off: {', '.join(inferred)}."})
        if not assessment.dpo_advice:
            raise ValidationError({"dpo_advice": "The data protection officer has not given advice yet."})
        before = {"signed_off_by": user_ref(assessment.signed_off_by),
                  "signed_off_version": assessment.signed_off_version, "sign_off_comment": assessment.sign_off_comment}
        assessment.version += 1
        assessment.signed_off_by = actor
        assessment.signed_off_label = _label(actor)
        assessment.signed_off_at = timezone.now()
        assessment.signed_off_version = assessment.version
        assessment.sign_off_comment = comment
        assessment.measures_approved_by, assessment.residual_approved_by = measures, residual
        assessment.dpo_advice_followed = dpo_advice_followed
        assessment.dpo_overruled_reason = overruled if dpo_advice_followed is False else ""
        assessment.review_date = review
        assessment.save()
        after = {"signed_off_by": user_ref(actor), "signed_off_version": assessment.version,
                 "sign_off_comment": comment}
        audit_record(team=system.team, actor=actor, action="privacy.signed_off", obj=assessment,
                     changes=diff(before, after) | {"dpia_result": [None, state.screening.result],
                                                    "measures_approved_by": [None, measures],
                                                    "residual_approved_by": [None, residual],
                                                    "dpo_advice_followed": [None, dpo_advice_followed],
                                                    "review_date": [None, review.isoformat()]})
    return assessment
