"""Check a plan against this installation before anything is written (the preview shows the result).

Reads only: the catalog's questions (answers that are not valid here are dropped, with a note), its
framework items, threats and controls, and the team's members (a user who is not a member is left
out). Also enforces the per-import object limits. ``apply`` writes exactly what this returns, so the
preview and the import never disagree.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from catalog.models import ControlTemplate, FrameworkItem, ThreatTemplate
from catalog.questions import validate_answers
from threatmodel.models import ComponentKind

from .errors import ImportProblem
from .plan import Note, Plan

# Per-import limits on what is created (docs/interop.md). The apply writes everything in one transaction
# through the services, about 20-30 ms per object; at these limits (3,500 objects) that stays well inside
# the worker's soft time limit (CELERY_TASK_SOFT_TIME_LIMIT, 240 s). Real models are far smaller.
MAX_COMPONENTS = 500
MAX_FLOWS = 1000
MAX_RISKS = 5000
MAX_MITIGATIONS = 5000
MAX_REFS = 1000


@dataclass
class Prepared:
    plan: Plan
    kinds: dict[str, str] = field(default_factory=dict)  # component source id -> kind
    component_answers: dict[str, dict] = field(default_factory=dict)
    flow_answers: dict[str, dict] = field(default_factory=dict)
    system_answers: dict = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)  # username -> member of the team
    mappings: dict[str, list] = field(default_factory=dict)  # risk source id -> FrameworkItems
    templates: dict[str, object] = field(default_factory=dict)  # ref -> ThreatTemplate
    controls: dict[str, object] = field(default_factory=dict)  # ref -> ControlTemplate
    risk_components: dict[str, str | None] = field(default_factory=dict)
    mitigation_risks: dict[str, list[str]] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def user(self, username: str):
        return self.users.get(username) if username else None


def clean_kinds(plan: Plan, kinds) -> dict[str, str]:
    """The person's kind choices, checked: ValidationError on "kinds" naming the component otherwise."""
    if kinds in (None, ""):
        return {}
    if not isinstance(kinds, dict):
        raise ValidationError({"kinds": "Give the kinds as an object of component id to input, model or output."})
    known = {c.source_id for c in plan.components}
    errors = []
    for key, value in kinds.items():
        if key not in known:
            errors.append(f"'{str(key)[:60]}' is not a component of this file.")
        elif value not in ComponentKind.values:
            errors.append(f"'{str(value)[:20]}' is not one of input, model, output (component '{key[:60]}').")
    if errors:
        raise ValidationError({"kinds": errors})
    return dict(kinds)


def _valid_answers(scope: str, answers: dict, where: str, label: str, notes: list[Note]) -> dict:
    if not isinstance(answers, dict):
        return {}
    errors = validate_answers(scope, answers)
    for key, message in errors.items():
        notes.append(Note(where, f"answer '{key[:40]}' of {label} was left out: {message}", "changed"))
    return {k: v for k, v in answers.items() if k not in errors}


def _check_limits(plan: Plan) -> None:
    for name, items, limit in (("components", plan.components, MAX_COMPONENTS), ("flows", plan.flows, MAX_FLOWS),
                               ("risks", plan.risks, MAX_RISKS), ("mitigations", plan.mitigations, MAX_MITIGATIONS),
                               ("external references", plan.refs, MAX_REFS)):
        if len(items) > limit:
            raise ImportProblem(items[limit].path, f"the file has {len(items)} {name}; an import takes at most "
                                                   f"{limit}")


def prepare(plan: Plan, *, team, kinds: dict | None = None) -> Prepared:
    _check_limits(plan)
    out = Prepared(plan=plan, notes=list(plan.notes))
    notes = out.notes
    chosen = clean_kinds(plan, kinds)

    out.system_answers = _valid_answers("system", plan.system.answers, "$", "the system", notes)
    component_ids = set()
    for spec in plan.components:
        component_ids.add(spec.source_id)
        kind = chosen.get(spec.source_id, spec.kind)
        out.kinds[spec.source_id] = kind
        out.component_answers[spec.source_id] = _valid_answers(kind, spec.answers_for(kind), spec.path,
                                                               f"'{spec.name[:60]}'", notes)
    for spec in plan.flows:
        if spec.source not in component_ids or spec.target not in component_ids:
            raise ImportProblem(spec.path, f"flow '{spec.label[:60] or spec.source_id}' joins components that "
                                           "are not in the file")
        out.flow_answers[spec.source_id] = _valid_answers("flow", spec.answers, spec.path,
                                                          f"flow '{spec.label[:60] or spec.source_id}'", notes)

    # Users: by username, members of the team only.
    wanted = {plan.system.owner, *(r.owner for r in plan.risks), *(m.owner for m in plan.mitigations)}
    for spec in plan.risks:
        wanted.add(((spec.exact or {}).get("acceptance") or {}).get("accepted_by"))
    for key, field_name in (("reviews", "user"), ("reports", "requested_by")):
        wanted |= {v.get(field_name) for _path, v in plan.extras.get(key, []) if isinstance(v, dict)}
    privacy = plan.extras.get("privacy")
    if privacy and isinstance(privacy[1].get("sign_off"), dict):
        wanted.add(privacy[1]["sign_off"].get("by"))
    wanted = {w for w in wanted if isinstance(w, str) and w}
    if wanted:
        users = get_user_model().objects.filter(username__in=wanted, memberships__team=team)
        out.users = {u.get_username(): u for u in users}
    for username in sorted(wanted - set(out.users)):
        notes.append(Note("$", f"'{username[:60]}' is not a member of team '{team.slug}': left unassigned where "
                               "named (owners, approvers, sign-offs keep their name as text)", "changed"))

    # Framework items, threats, controls of the loaded catalog.
    labels = {m for r in plan.risks for m in r.mappings if isinstance(m, str)}
    items = {}
    pairs = [tuple(label.split(":", 1)) for label in labels if ":" in label]
    if pairs:
        keys = {k for k, _ in pairs}
        for item in FrameworkItem.objects.filter(framework__key__in=keys).select_related("framework"):
            items[f"{item.framework.key}:{item.ref}"] = item
    refs = {r.template for r in plan.risks if r.template}
    if refs:
        out.templates = {t.ref: t for t in ThreatTemplate.objects.filter(ref__in=refs)}
    controls = {m.control for m in plan.mitigations if m.control}
    if controls:
        out.controls = {c.ref: c for c in ControlTemplate.objects.filter(ref__in=controls, retired=False)}

    risk_ids = set()
    for spec in plan.risks:
        if spec.source_id in risk_ids:
            raise ImportProblem(spec.path, f"a second risk with id '{spec.source_id[:60]}'")
        risk_ids.add(spec.source_id)
        found = []
        for label in spec.mappings:
            if label in items:
                found.append(items[label])
            else:
                notes.append(Note(spec.path, f"'{str(label)[:60]}' is not a framework item of this catalog: not "
                                             "mapped", "changed"))
        out.mappings[spec.source_id] = found
        component = spec.component
        if component is not None and component not in component_ids:
            notes.append(Note(spec.path, f"risk '{spec.title[:60]}' names a component that is not in the file: "
                                         "it applies to the whole system", "changed"))
            component = None
        out.risk_components[spec.source_id] = component
        if spec.template and spec.template not in out.templates:
            notes.append(Note(spec.path, f"threat {spec.template[:20]} is not in this catalog: '{spec.title[:60]}' "
                                         "becomes a custom risk", "changed"))
    for spec in plan.mitigations:
        missing = [r for r in spec.risks if r not in risk_ids]
        for risk in missing:
            notes.append(Note(spec.path, f"mitigation '{spec.title[:60]}' links to risk '{risk[:60]}', which is not "
                                         "in the file: link left out", "changed"))
        out.mitigation_risks[spec.source_id] = [r for r in dict.fromkeys(spec.risks) if r in risk_ids]
        if spec.control and spec.control not in out.controls:
            notes.append(Note(spec.path, f"control {spec.control[:20]} is not in this catalog: '{spec.title[:60]}' "
                                         "becomes a custom mitigation", "changed"))
    return out
