"""Filter forms of the catalog pages (GET only; invalid values are ignored, never an error page)."""

from django import forms

from .models import ControlTemplate, Framework
from .selectors import SCOPES_OF_THREATS, categories


def _framework_choices() -> list[tuple[str, str]]:
    return [("", "Any framework"), *Framework.objects.order_by("position", "key").values_list("key", "name")]


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "ref, title or words"}))
    framework = forms.ChoiceField(label="Framework", required=False)
    # No help_text: the hint is in the label (a parent such as MEASURE 2 includes its children).
    ref = forms.CharField(label="Framework item (e.g. MEASURE 2.7, LLM01:2025)", required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].choices = _framework_choices()

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class ThreatFilterForm(CatalogFilterForm):
    applies_to = forms.ChoiceField(label="Applies to", required=False,
                                   choices=[("", "Any scope"), *((s, s.capitalize()) for s in SCOPES_OF_THREATS)])
    category = forms.ChoiceField(label="Category", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category"), *((c, c.replace("-", " ")) for c in categories())]


class ControlFilterForm(CatalogFilterForm):
    kind = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type"), *ControlTemplate.Kind.choices])
