"""The privacy pages: the screening with its reasons, the form with inferred answers to confirm, sign-off."""

from assessments.models.privacy import PrivacyAssessment


def test_detail_shows_the_screening_and_inferred_answers(login, owner, speech_app):
    html = login(owner).get(f"/systems/{speech_app.pk}/privacy/").content.decode()
    assert "DPIA screening: DPIA likely required" in html
    assert "Data concerning vulnerable data subjects" in html and "inferred" in html
    assert "Answers still inferred" in html


def test_form_saves_and_confirms(login, owner, speech_app):
    client = login(owner)
    page = client.get(f"/systems/{speech_app.pk}/privacy/edit/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="confirm" value="data_subjects"' in html and "Inferred" in html
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, [])}
    for name, formset in form.formsets.items():
        management = formset.management_form
        for field in management.fields:
            data[f"{management.prefix}-{field}"] = management.initial.get(field, 0) if field != "TOTAL_FORMS" \
                else len(formset.forms)
        for i, f in enumerate(formset.forms):
            for key, value in (f.initial or {}).items():
                if key in f.fields and value not in (None, ""):
                    data[f"{name}-{i}-{key}"] = value if not isinstance(value, bool) else ("on" if value else "")
    data["purposes-0-purpose"] = "Tell bedtime stories"
    data["purposes-0-legal_basis"] = "consent"
    data["confirm"] = ["data_subjects"]
    response = client.post(f"/systems/{speech_app.pk}/privacy/edit/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    a = PrivacyAssessment.objects.get(system=speech_app)
    assert a.purposes == [{"purpose": "Tell bedtime stories", "legal_basis": "consent", "note": ""}]
    assert a.provenance.get("data_subjects") == "confirmed"
    assert "transfers" not in a.provenance  # submitted unchanged and not ticked: still inferred


def test_form_shows_service_errors_next_to_the_field(login, owner, speech_app):
    client = login(owner)
    form = client.get(f"/systems/{speech_app.pk}/privacy/edit/").context["form"]
    data = {"version": 0}
    for name in form.formsets:
        data[f"{name}-TOTAL_FORMS"] = 1
        data[f"{name}-INITIAL_FORMS"] = 0
    data["purposes-0-note"] = "a note without a purpose"
    response = client.post(f"/systems/{speech_app.pk}/privacy/edit/", data)
    assert response.status_code == 200
    purposes = response.context["form"].formsets["purposes"]
    assert purposes.forms[0].errors["purpose"] == ["This is required."]


def test_viewer_cannot_edit_and_outsider_sees_nothing(login, viewer, outsider, speech_app):
    assert login(viewer).get(f"/systems/{speech_app.pk}/privacy/edit/").status_code == 403
    client = login(outsider)
    assert client.get(f"/systems/{speech_app.pk}/privacy/").status_code == 404
    assert client.post(f"/systems/{speech_app.pk}/privacy/sign-off/").status_code == 404
