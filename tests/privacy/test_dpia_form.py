"""Every DPIA element can be filled from the privacy page: the form is built from the declarations in
dpia_fields (FORM_FIELDS and ROWS), what it posts is stored, and the PDF prints it."""

from assessments.models.privacy import PrivacyAssessment
from assessments.privacy import dpia_fields
from assessments.privacy.forms import DPIA_ROWSETS, field_name

from .test_dpia_report import ANSWERED
from .test_report import pia_text


def _leaves(value: dict, prefix: str = "") -> set[str]:
    out = set()
    for key, v in value.items():
        path = f"{prefix}{key}"
        out |= _leaves(v, f"{path}.") if isinstance(v, dict) else {path}
    return out


def test_the_declarations_cover_every_dpia_answer():
    declared = {path for path, *_ in dpia_fields.FORM_FIELDS} | set(dpia_fields.ROWS)
    assert _leaves(dpia_fields.defaults()) - {"individual_risks"} <= declared
    assert {"individual_risks", "consultation.entries"} <= set(dpia_fields.ROWS)


def page_data(form) -> dict:
    """What the page posts when nothing is changed: every field's initial value, every formset's rows."""
    data = {}
    for name, value in form.initial.items():
        if value in (None, [], ""):
            continue
        data[name] = value
    for name, formset in form.formsets.items():
        data[f"{name}-TOTAL_FORMS"] = len(formset.forms)
        data[f"{name}-INITIAL_FORMS"] = formset.initial_form_count()
        for i, f in enumerate(formset.forms):
            for key, value in (f.initial or {}).items():
                if key in f.fields and value not in (None, "", []):
                    data[f"{name}-{i}-{key}"] = value if not isinstance(value, bool) else ("on" if value else "")
    return data


def _tri(value) -> str:
    return {True: "yes", False: "no"}.get(value, "")


def answered_post(form) -> dict:
    """ANSWERED as a person would type it into the page."""
    data = page_data(form)
    data["processing_description"] = ANSWERED["processing_description"]
    data["purposes-0-purpose"], data["purposes-0-legal_basis"] = "Tell personalised stories", "consent"
    for path, _label, kind, *_c in dpia_fields.FORM_FIELDS:
        value = ANSWERED
        for part in path.split("."):
            value = (value or {}).get(part) if isinstance(value, dict) else None
        if value is None:
            continue
        data[field_name(path)] = "\n".join(value) if kind == "lines" else _tri(value) if kind == "tri" else value
    for name, (path, _cls) in DPIA_ROWSETS.items():
        rows = ANSWERED[path] if "." not in path else ANSWERED[path.split(".")[0]][path.split(".")[1]]
        data[f"{name}-TOTAL_FORMS"], data[f"{name}-INITIAL_FORMS"] = len(rows) + 1, 0
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"{name}-{i}-{key}"] = value
    return data


def test_every_dpia_element_is_stored_from_the_page_and_printed(login, owner, speech_app):
    client = login(owner)
    page = client.get(f"/systems/{speech_app.pk}/privacy/edit/")
    html = page.content.decode()
    for path in ("parties.controller", "scope.people", "necessity.minimisation", "conclusion.art36",
                 "regime_details.coppa.consent", "consultation.not_consulted_reason"):
        assert f'name="{field_name(path)}"' in html
    assert 'name="individual_risks-0-feared_events"' in html and 'name="consultation_entries-0-said"' in html
    response = client.post(f"/systems/{speech_app.pk}/privacy/edit/", answered_post(page.context["form"]))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    a = PrivacyAssessment.objects.get(system=speech_app)
    for name in ("parties", "scope", "context", "consultation", "necessity", "individual_risks", "conclusion"):
        assert getattr(a, name) == ANSWERED[name], name
    assert a.regime_details["coppa"] == ANSWERED["regime_details"]["coppa"]
    # the page shows what is stored, and saving it unchanged changes nothing
    again = client.get(f"/systems/{speech_app.pk}/privacy/edit/")
    assert again.context["form"].initial[field_name("parties.processors")] == "Speech API Inc."
    assert client.post(f"/systems/{speech_app.pk}/privacy/edit/", page_data(again.context["form"])).status_code == 302
    a.refresh_from_db()
    assert a.individual_risks == ANSWERED["individual_risks"] and a.scope == ANSWERED["scope"]

    text = pia_text(speech_app, owner)
    for printed in ("Story Buddy Ltd", "Speech API Inc.", "Every story session, daily", "Parent panel",
                    "Wanted recordings deleted quickly", "Only the audio of a session, no names",
                    "A child's voice is exposed and can be misused", "Encryption and 30-day deletion",
                    "Residual risks are low to medium and accepted", "No high residual risk remains after the measures",
                    "Card check by a parent"):
        assert printed in text, printed


def test_a_dpia_row_error_lands_on_its_field(login, owner, speech_app):
    client = login(owner)
    data = page_data(client.get(f"/systems/{speech_app.pk}/privacy/edit/").context["form"])
    data["consultation_entries-TOTAL_FORMS"] = 1
    data["consultation_entries-0-who"] = "experts"  # no date, nothing said: both required
    data[field_name("scope.people")] = "-4"
    response = client.post(f"/systems/{speech_app.pk}/privacy/edit/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field_name("scope.people") in form.errors
    data[field_name("scope.people")] = "12"
    response = client.post(f"/systems/{speech_app.pk}/privacy/edit/", data)
    row = response.context["form"].formsets["consultation_entries"].forms[0]
    assert "when" in row.errors and "said" in row.errors
    assert not PrivacyAssessment.objects.filter(system=speech_app).exists()  # nothing saved
