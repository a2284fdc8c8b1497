"""Forms of the import pages: the upload, and the confirmation with each component's kind."""

from django import forms

from threatmodel.models import ComponentKind

from .detect import FORMAT_LABELS
from .limits import max_bytes


class UploadForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, empty_label=None, help_text="The team the system will belong to.")
    file = forms.FileField(label="Model file", help_text=(
        "OWASP Threat Dragon (v1 or v2 .json), AWS Threat Composer (.tc.json), Open Threat Model "
        "(OTM .json or .yaml) or a system export of this tool; at most 5 MiB. "
        "Nothing is written before you confirm the preview."))
    format = forms.ChoiceField(required=False, label="Format", choices=[("", "Recognise it from the file")]
                               + sorted(FORMAT_LABELS.items(), key=lambda kv: kv[1]))

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        from threatmodel.models import Team

        self.fields["team"].queryset = Team.objects.filter(pk__in=[t.pk for t in teams]).order_by("name")
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
            self.fields["team"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".json,.yaml,.yml,application/json,application/yaml"
        self.fields["file"].help_text = self.fields["file"].help_text.replace(
            "5 MiB", f"{max_bytes() / (1024 * 1024):g} MiB")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size / (1024 * 1024):.1f} MiB; the limit is "
                                        f"{limit / (1024 * 1024):g} MiB.")
        return upload


class ConfirmForm(forms.Form):
    """One kind choice per component (``kind-<n>``, in the file's order) and, for a model imported before,
    whether to update that system or make a separate copy."""

    mode = forms.ChoiceField(required=False, widget=forms.RadioSelect, choices=[
        ("update", "Update the system imported before"), ("new", "Create a separate new system")], initial="update")

    def __init__(self, *args, preview: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.component_ids = [c["id"] for c in preview["components"]]
        for index, component in enumerate(preview["components"]):
            self.fields[f"kind-{index}"] = forms.ChoiceField(
                label=component["name"], choices=ComponentKind.choices, initial=component["kind"],
                disabled=component["kind_confirmed"])
        if not preview.get("update"):
            del self.fields["mode"]
        else:
            self.fields["mode"].initial = preview["update"]["default_mode"]

    def kinds(self) -> dict[str, str]:
        return {source_id: self.cleaned_data[f"kind-{i}"] for i, source_id in enumerate(self.component_ids)
                if not self.fields[f"kind-{i}"].disabled}

    def kind_fields(self):
        return [self[f"kind-{i}"] for i in range(len(self.component_ids))]
