"""The workshop page's presenter: view models (and the few pieces of HTML rendered in Python) built from
the workshop's scoped reads. `workshop_data` is everything the page shows."""

from dataclasses import dataclass

from threatmodel.models import AISystem, ComponentKind

from .. import heatmap
from .model import ModelPart, model_part
from .register import RegisterPart, RiskFilter, mitigation_for_card, register_part, risk_for_card, risks_for_page

__all__ = ["RiskFilter", "Step", "mitigation_for_card", "next_step", "progress", "risk_for_card", "workshop_data"]


@dataclass
class Step:
    key: str
    number: int
    title: str
    anchor: str
    done: int
    total: int
    text: str
    missing: str = ""  # what the step still needs besides its count (Components: a lane left empty)

    @property
    def complete(self) -> bool:
        return not self.missing and self.total > 0 and self.done >= self.total

    @property
    def can_start(self) -> bool:
        """A step can be worked on when it has something to do: items to count, or something to add."""
        return bool(self.total or self.missing)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def progress(model: ModelPart, register: RegisterPart) -> list[Step]:
    c = register.counts
    components = len(model.components)
    comp_questions = model.questions - model.system_questions
    comp_answered = model.answered - model.system_answered
    kinds = {c.kind for c in model.components}
    missing = [ComponentKind(k).label.lower() for k in ComponentKind.values if k not in kinds]
    needs = f"add at least one {' and one '.join(missing)}" if missing else ""
    component_text = (f"{components} component{'s' if components != 1 else ''}, {comp_answered} of {comp_questions} "
                      f"questions answered" if components else "none yet")
    return [
        Step("system", 1, "System questions", "#system-panel", model.system_answered, model.system_questions,
             f"{model.system_answered} of {model.system_questions} answered"),
        Step("components", 2, "Components", "#model", comp_answered, comp_questions,
             f"{component_text}; {needs}" if needs else component_text, missing=needs),
        Step("suggestions", 3, "Suggestions", "#suggestions", c["reviewed"], c["total"],
             f"{c['reviewed']} of {c['total']} reviewed"),
        Step("scoring", 4, "Scoring", "#register", c["scored"], c["register"],
             f"{c['scored']} of {c['register']} scored with an owner"),
        Step("mitigations", 5, "Mitigations", "#mitigations", c["mitigated"], c["register"],
             f"{c['mitigated']} of {c['register']} with a mitigation"),
    ]


def next_step(steps: list[Step]) -> Step | None:
    """The first step not done that can start (never a step with nothing to do yet)."""
    return next((s for s in steps if not s.complete and s.can_start), None)


def workshop_data(system: AISystem, risk_filter: RiskFilter | None = None, model_key: str | None = None) -> dict:
    """Everything the page shows. `model_key` (the model part of the change stamp) lets derived data that
    depends only on the model be reused across requests and processes' caches."""
    risks = risks_for_page(system)
    model = model_part(system, risks, model_key)
    register = register_part(system, risks, model.components, risk_filter)
    steps = progress(model, register)
    return {"model": model, "register": register, "steps": steps, "next_step": next_step(steps),
            "all_done": all(s.complete for s in steps),
            "legend": heatmap.legend()}
