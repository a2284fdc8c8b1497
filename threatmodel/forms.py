"""Forms of the modeling pages, and what every page's forms share: the questionnaire fields, the one
mapping of a service's errors onto a form (`ServiceErrorsMixin`) and the one way a page runs a service
for a valid form (`run_service`). The component and flow forms are used by the system's own pages and by
the workshop, and each knows its one write (`write`), so both pages write the same way."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.html import format_html, format_html_join

from catalog.questions import Question, questions_for

from . import services
from .exceptions import VersionConflict
from .models import AISystem, Component, ComponentKind
from .models.systems import LifecycleStage

UNKNOWN = ""
BOOL_CHOICES = [(UNKNOWN, "Unknown"), ("yes", "Yes"), ("no", "No")]


def question_field(q: Question) -> forms.Field:
    if q.type == "bool":
        return forms.ChoiceField(label=q.label, help_text=q.help, choices=BOOL_CHOICES, required=False,
                                 widget=forms.RadioSelect)
    if q.type == "choice":
        return forms.ChoiceField(label=q.label, help_text=q.help, required=False,
                                 choices=[(UNKNOWN, "Unknown"), *q.choices])
    return forms.MultipleChoiceField(label=q.label, help_text=q.help, required=False, choices=list(q.choices),
                                     widget=forms.CheckboxSelectMultiple)


def answer_to_initial(q: Question, value):
    if value is None:
        return UNKNOWN if q.type != "multi" else []
    if q.type == "bool":
        return "yes" if value else "no"
    return value


def initial_to_answer(q: Question, value):
    if q.type == "bool":
        return {"yes": True, "no": False}.get(value)
    if q.type == "choice":
        return value or None
    return list(value) or None


class ServiceErrorsMixin:
    """Put a service's ValidationError on the fields it names, the rest at the top of the form.

    `field_aliases` maps a service's field name to the form's (`status_reason` -> `reason`). Errors on
    `answers` ("key: message") land on the question's field (`q_<key>`) when the form has it. A form
    whose fields are not named like the service's (formsets) overrides `add_service_error`.
    """

    field_aliases: dict[str, str] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, messages in exc.message_dict.items():
            self.add_service_error(name, messages)

    def add_service_error(self, name: str, messages: list[str]) -> None:
        if name == "answers":
            for message in messages:
                key, _, text = message.partition(": ")
                target = f"q_{key}" if f"q_{key}" in self.fields else None
                self.add_error(target, text if target else message)
            return
        target = self.field_aliases.get(name, name)
        if target in self.fields:
            self.add_error(target, messages)
        else:
            self.add_error(None, messages if name == NON_FIELD_ERRORS else [f"{name}: {m}" for m in messages])


def run_service(form, write, *, on_conflict=None) -> bool:
    """Call `write()` (a service) for a valid form; put what the service refuses on the form. True on success.

    A ValidationError goes next to the fields it names; PermissionDenied to the top of the form. A stale
    write (VersionConflict) calls `on_conflict(exc)` when given (the workshop merges the current values
    into the form); otherwise the form says so at the top and moves to the current version, the
    person's input kept, so that submitting again applies it.
    """
    try:
        write()
        return True
    except ValidationError as exc:
        form.add_service_errors(exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "You cannot change this.")
    except VersionConflict as exc:
        if on_conflict is not None:
            on_conflict(exc)
        else:
            form.add_error(None, f"{exc}. Nothing was saved: your input is kept below; review the current "
                                 "values and submit again to apply it.")
            form.data = form.data.copy()
            form.data["version"] = exc.current
    return False


class QuestionnaireMixin(ServiceErrorsMixin):
    """Adds one field per question of a scope (prefix q_); `answers()` returns the answer object.

    Unanswered questions are left out of the object: unknown, not false.
    """

    answers_scope: str = ""

    def add_questions(self, scope: str, current: dict) -> None:
        self.answers_scope = scope
        self.questions = questions_for(scope)
        for q in self.questions:
            self.fields[f"q_{q.key}"] = question_field(q)
            self.initial.setdefault(f"q_{q.key}", answer_to_initial(q, (current or {}).get(q.key)))

    def question_fields(self):
        return [self[f"q_{q.key}"] for q in self.questions]

    def answers(self) -> dict:
        out = {}
        for q in self.questions:
            value = initial_to_answer(q, self.cleaned_data.get(f"q_{q.key}"))
            if value is not None:
                out[q.key] = value
        return out


class VersionedForm(QuestionnaireMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SystemForm(VersionedForm):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    lifecycle_stage = forms.ChoiceField(choices=LifecycleStage.choices, initial=LifecycleStage.DESIGN)
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                   to_field_name="username")

    def __init__(self, *args, team, system: AISystem | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(memberships__team=team).order_by("username")
        if system is not None:
            self.initial.update({"name": system.name, "description": system.description,
                                 "lifecycle_stage": system.lifecycle_stage,
                                 "owner": system.owner.username if system.owner else None,
                                 "version": system.version})
        self.add_questions("system", system.answers if system else {})


class ZoneInput(forms.TextInput):
    """A text input offering the system's trust zones named so far (`zones`, a datalist after the input)."""

    zones: tuple[str, ...] = ()

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.zones:
            context["widget"]["attrs"]["list"] = f"{context['widget']['attrs'].get('id', name)}-zones"
        return context

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if not self.zones:
            return html
        list_id = f"{(attrs or {}).get('id', name)}-zones"
        options = format_html_join("", '<option value="{}"></option>', ((z,) for z in self.zones))
        return html + format_html('<datalist id="{}">{}</datalist>', list_id, options)


def zones_of(system: AISystem | None) -> list[str]:
    """The trust zones named in a system so far, in name order."""
    if system is None:
        return []
    names = Component.objects.filter(system=system).exclude(trust_zone="").values_list("trust_zone", flat=True)
    return sorted(set(names), key=str.casefold)


class ComponentForm(VersionedForm):
    kind = forms.ChoiceField(choices=ComponentKind.choices)
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    trust_zone = forms.CharField(
        max_length=100, required=False, label="Trust zone", widget=ZoneInput,
        help_text="The trust boundary it sits inside, by name (e.g. Corporate network, Vendor cloud): the diagram "
                  "draws each zone around its components. Leave empty if none.")

    def __init__(self, *args, kind: str, component: Component | None = None, system: AISystem | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.component = kind, component
        if component is not None:
            self.initial.update({"kind": component.kind, "name": component.name,
                                 "description": component.description, "trust_zone": component.trust_zone,
                                 "version": component.version})
        else:
            self.initial.setdefault("kind", kind)
        self.fields["trust_zone"].widget.zones = tuple(zones_of(system or (component.system if component else None)))
        self.fields["kind"].widget = forms.HiddenInput()
        self.add_questions(kind, component.answers if component else {})

    def write(self, *, actor, system: AISystem | None = None) -> Component:
        """Create the component in `system`, or update the one being edited (at the version it was loaded)."""
        d = self.cleaned_data
        if self.component is None:
            return services.component_create(actor=actor, system=system, kind=self.kind, name=d["name"],
                                             description=d["description"], trust_zone=d["trust_zone"],
                                             answers=self.answers())
        return services.component_update(actor=actor, component=self.component, expected_version=d["version"],
                                         name=d["name"], description=d["description"], trust_zone=d["trust_zone"],
                                         answers=self.answers())


class FlowForm(VersionedForm):
    source = forms.ModelChoiceField(queryset=Component.objects.none())
    target = forms.ModelChoiceField(queryset=Component.objects.none())
    label = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, system: AISystem, flow=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.system, self.flow = system, flow
        qs = Component.objects.filter(system=system).order_by("kind", "position", "id")
        self.fields["source"].queryset = qs
        self.fields["target"].queryset = qs
        if flow is not None:
            self.initial.update({"source": flow.source_id, "target": flow.target_id, "label": flow.label,
                                 "version": flow.version})
        self.add_questions("flow", flow.answers if flow else {})

    def write(self, *, actor):
        """Create the flow, or update the one being edited (at the version it was loaded)."""
        d = self.cleaned_data
        ends = {"source": d["source"], "target": d["target"], "label": d["label"], "answers": self.answers()}
        if self.flow is None:
            return services.flow_create(actor=actor, system=self.system, **ends)
        return services.flow_update(actor=actor, flow=self.flow, expected_version=d["version"], **ends)


class TeamCreateForm(forms.Form):
    name = forms.CharField(max_length=120)
