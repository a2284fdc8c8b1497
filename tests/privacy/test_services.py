"""Saving the privacy assessment: inferred answers stay live until confirmed or corrected; audited; versioned."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models.privacy import PrivacyAssessment
from assessments.privacy import services
from assessments.privacy.selectors import privacy_state
from threatmodel import services as tm_services
from threatmodel.audit import audit_verify
from threatmodel.exceptions import VersionConflict
from threatmodel.models import AuditEvent

from ..factories import make_component


def test_dpia_outcomes_of_the_two_reference_systems(speech_app, forecaster):
    speech = privacy_state(speech_app)
    assert speech.assessment is None and speech.version == 0
    assert speech.screening.result == "required"
    assert speech.resolved.answers["data_subjects"].state == "inferred"
    forecast = privacy_state(forecaster)
    assert forecast.screening.result == "not_required"
    assert forecast.values["processes_personal_data"] is False


def test_inferred_answers_follow_the_model_until_confirmed(speech_app, owner):
    a = services.privacy_assessment_save(actor=owner, system=speech_app, expected_version=0, values={
        "processing_description": "Transcribes a child's question and reads a story back.",
        "data_subjects": ["public", "children"],  # the same as inferred: stays inferred
        "regimes": ["gdpr", "coppa", "ccpa"],  # corrected: edited
    }, confirm=["transfers"])
    assert a.version == 1 and a.dpia_result == "required"
    assert a.provenance == {"regimes": "edited", "transfers": "confirmed"}
    assert a.transfers[0]["model_provider"] is True  # the confirmed value is stored
    # the model changes: the inferred answer moves with it, the confirmed one does not
    make_component(speech_app, "input", name="Parent's email", actor=owner,
                   answers={"source": "end_users", "purpose": ["features"], "personal_data": "basic"})
    speech_app.answers = {**speech_app.answers, "users": ["children", "customers"]}
    tm_services.system_update(actor=owner, system=speech_app, answers=speech_app.answers)
    state = privacy_state(speech_app)
    assert state.values["data_subjects"] == ["customers", "children"]
    assert state.resolved.answers["data_subjects"].state == "inferred"
    assert state.resolved.answers["regimes"].state == "edited"
    assert state.values["regimes"] == ["gdpr", "ccpa", "coppa"]
    # confirm without resubmitting, then hand back to the model
    a = services.privacy_assessment_save(actor=owner, system=speech_app, confirm=["data_subjects"],
                                         expected_version=1)
    assert a.provenance["data_subjects"] == "confirmed" and a.data_subjects == ["customers", "children"]
    a = services.privacy_assessment_save(actor=owner, system=speech_app, reset=["regimes"], expected_version=2)
    assert "regimes" not in a.provenance
    assert privacy_state(speech_app).values["regimes"] == ["gdpr", "coppa"]
    actions = list(AuditEvent.objects.filter(object_type="assessments.privacyassessment").values_list(
        "action", flat=True))
    assert actions == ["privacy.created", "privacy.updated", "privacy.updated"]
    assert audit_verify(team=speech_app.team).ok


def test_saving_nothing_new_writes_nothing(speech_app, owner):
    a = services.privacy_assessment_save(actor=owner, system=speech_app, values={"rights_process": "Email the DPO"})
    before = AuditEvent.objects.count()
    same = services.privacy_assessment_save(actor=owner, system=speech_app, values={"rights_process": "Email the DPO"})
    assert same.version == a.version and AuditEvent.objects.count() == before


def test_errors_and_conflicts(speech_app, owner, viewer, outsider):
    with pytest.raises(ValidationError) as info:
        services.privacy_assessment_save(actor=owner, system=speech_app, values={"transfers": [{"role": "boss"}]})
    assert {"transfers[0].recipient", "transfers[0].role"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        services.privacy_assessment_save(actor=owner, system=speech_app, confirm=["processing_description"])
    assert "confirm" in info.value.message_dict
    assert not PrivacyAssessment.objects.exists()
    services.privacy_assessment_save(actor=owner, system=speech_app, values={"rights_process": "x"},
                                     expected_version=0)
    with pytest.raises(VersionConflict):
        services.privacy_assessment_save(actor=owner, system=speech_app, values={"rights_process": "y"},
                                         expected_version=0)
    with pytest.raises(PermissionDenied):
        services.privacy_assessment_save(actor=viewer, system=speech_app, values={"rights_process": "z"})
    with pytest.raises(PermissionDenied):
        services.privacy_assessment_save(actor=outsider, system=speech_app, values={"rights_process": "z"})


SIGN = {"measures_approved_by": "Mia Manager", "residual_approved_by": "Rui Risk", "dpo_advice_followed": True,
        "review_date": "2099-01-01"}


def test_dpo_sign_off_records_who_when_and_which_version(speech_app, forecaster, owner, team):
    with pytest.raises(ValidationError):
        services.privacy_sign_off(actor=owner, system=speech_app, **SIGN)  # nothing saved yet
    inferred = privacy_state(speech_app).resolved.inferred_paths()
    a = services.privacy_assessment_save(actor=owner, system=speech_app, values={"rights_process": "Via the app"},
                                         confirm=inferred)
    services.dpo_designate(actor=owner, team=team, user=owner)
    a = services.privacy_dpo_advice(actor=owner, system=speech_app, advice="Go ahead", expected_version=a.version)
    a = services.privacy_sign_off(actor=owner, system=speech_app, comment="DPIA to follow", expected_version=a.version,
                                  **SIGN)
    assert a.signed_off and a.signed_off_version == a.version == 3 and a.signed_off_at is not None
    assert AuditEvent.objects.filter(action="privacy.signed_off").count() == 1
    a = services.privacy_assessment_save(actor=owner, system=speech_app, values={"rights_process": "Via email"})
    assert not a.signed_off and a.signed_off_version == 3  # changed since: the sign-off no longer covers it


def test_incomplete_screening_cannot_be_signed_off(team, owner):
    from ..factories import make_system

    system = make_system(team, owner, name="Unknown")
    make_component(system, "input", name="Form", actor=owner, answers={"personal_data": "basic"})
    services.privacy_assessment_save(actor=owner, system=system, values={"rights_process": "?"})
    with pytest.raises(ValidationError) as info:
        services.privacy_sign_off(actor=owner, system=system, **SIGN)
    assert "dpia_criteria" in info.value.message_dict
