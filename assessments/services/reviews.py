"""Sign-offs on a system's register, and "reviewed" marks for the new-threats counter."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from threatmodel.audit import audit_record
from threatmodel.models import AISystem, Role
from threatmodel.services.common import require_role

from .. import scoring
from ..catalog_info import catalog_release_info
from ..models import Review, ReviewDecision, ReviewRole, SystemReviewState
from ..snapshot import register_hash, register_snapshot, register_summary
from .common import clean_text


def _mark_reviewed(system: AISystem, actor, catalog_version: str) -> dict:
    state, _ = SystemReviewState.objects.select_for_update().get_or_create(system=system)
    before = {"new_risks": len(state.new_risk_ids or [])}
    state.new_risk_ids = []
    state.reviewed_at = timezone.now()
    state.reviewed_by = actor if getattr(actor, "pk", None) else None
    state.reviewed_catalog_version = catalog_version
    state.save()
    return before


def system_mark_reviewed(*, actor, system: AISystem) -> SystemReviewState:
    """The team has walked the new suggestions: reset "N new threats since your last review"."""
    require_role(actor, system.team, Role.CONTRIBUTOR)
    info = catalog_release_info()
    with transaction.atomic():
        before = _mark_reviewed(system, actor, info["version"])
        audit_record(team=system.team, actor=actor, action="register.reviewed", obj=system,
                     changes={"new_risks": [before["new_risks"], 0], "catalog_version": [None, info["version"]]})
    return system.review_state


def review_sign_off(*, actor, system: AISystem, role: str, decision: str = ReviewDecision.SIGNED,
                    comment: str = "") -> Review:
    """Sign off the register in one of three roles, in order: author, approver, publisher.

    - the author's sign-off opens a new round (and marks the new threats reviewed);
    - the approver is never the author of the round, and approves exactly what the author signed
      (the register hash must be unchanged), or sends it back with a comment;
    - the publisher signs off an approved register, again unchanged since the approval.
    Each sign-off records the catalog release and the SHA-256 of the register snapshot.
    """
    require_role(actor, system.team, Role.CONTRIBUTOR)
    if actor is None:
        raise ValidationError({"user": "A sign-off needs a person."})
    if role not in ReviewRole.values:
        raise ValidationError({"role": f"'{role}' is not one of {', '.join(ReviewRole.values)}."})
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": f"'{decision}' is not one of {', '.join(ReviewDecision.values)}."})
    comment = clean_text(comment, "comment")
    if decision == ReviewDecision.REJECTED:
        if role != ReviewRole.APPROVER:
            raise ValidationError({"decision": "Only the approver sends a register back."})
        if not comment:
            raise ValidationError({"comment": "Say why the register goes back to its author."})
    info = catalog_release_info()
    with transaction.atomic():
        AISystem.objects.select_for_update().filter(pk=system.pk).values_list("pk", flat=True).first()
        snap = register_snapshot(system)
        digest = register_hash(snap)
        rounds = {}
        latest_round = Review.objects.filter(system=system).order_by("-round").values_list("round", flat=True).first()
        if latest_round:
            rounds = {r.role: r for r in Review.objects.filter(system=system, round=latest_round)}
        author, approver = rounds.get(ReviewRole.AUTHOR), rounds.get(ReviewRole.APPROVER)
        if role == ReviewRole.AUTHOR:
            number = (latest_round or 0) + 1
        else:
            number = latest_round or 0
            expected = author if role == ReviewRole.APPROVER else approver
            if expected is None or (approver is not None and approver.decision == ReviewDecision.REJECTED):
                needed = "the author's" if role == ReviewRole.APPROVER else "an approval"
                raise ValidationError({"role": f"The {role} signs off after {needed} sign-off in this round."})
            if role in rounds:
                raise ValidationError({"role": f"This round already has its {role}'s sign-off."})
            if role == ReviewRole.APPROVER and author.user_id == actor.pk:
                raise ValidationError({"user": "The approver must be someone other than the author."})
            if expected.register_hash != digest:
                raise ValidationError({"register_hash": "The register changed since the previous sign-off in this "
                                                        "round; the author signs off again first."})
        review = Review(system=system, round=number, role=role, decision=decision, user=actor,
                        user_label=actor.get_username()[:150], comment=comment,
                        catalog_release_id=info["release_id"], catalog_version=info["version"],
                        catalog_checksum=info["checksum"], register_hash=digest,
                        register_summary=register_summary(snap, scoring.matrix_for(system.team)))
        review.save()
        if role == ReviewRole.AUTHOR:
            _mark_reviewed(system, actor, info["version"])
        audit_record(team=system.team, actor=actor, action=f"review.{role}_{decision}", obj=review,
                     changes={"round": [None, number], "role": [None, role], "decision": [None, decision],
                              "register_hash": [None, digest], "catalog_version": [None, info["version"]]})
    return review
