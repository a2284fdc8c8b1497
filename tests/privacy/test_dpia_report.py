"""The privacy assessment is a DPIA: ICO's seven steps, Art. 35(7)(a)-(d), regime modules, Art. 35(3) cases,
inferences only from answers that show them, and the ICO step-7 sign-off with the DPO's advice."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import DataProtectionOfficer
from assessments.privacy import dpia, services
from assessments.privacy.selectors import privacy_state
from assessments.reports.content import build_content
from threatmodel.models import Role

from ..factories import make_component, make_system, member
from .test_report import pia_text

ANSWERED = {
    "processing_description": "Children speak to the app; a speech model turns it into text and a story is read back.",
    "purposes": [{"purpose": "Tell personalised stories", "legal_basis": "consent", "note": ""}],
    "parties": {"controller": "Story Buddy Ltd", "processors": ["Speech API Inc."], "dpo": "Dana Protection",
                "legitimate_interests": ""},
    "scope": {"people": 40000, "records": 2000000, "frequency": "Every story session, daily",
              "geography": ["US", "EU"], "duration": "Recordings kept 30 days"},
    "context": {"relationship": "Parents subscribe; children use the app", "expectations": "Parents expect no ads",
                "vulnerable": "Children under 13", "concerns": "Public concern about voice assistants and kids"},
    "consultation": {"entries": [{"who": "data_subjects", "name": "Parent panel", "when": "2026-10-04",
                                  "said": "Wanted recordings deleted quickly"}], "not_consulted_reason": ""},
    "necessity": {"minimisation": "Only the audio of a session, no names", "accuracy": "Parents correct profiles",
                  "retention_justification": "30 days to handle complaints", "transparency": "Notice shown to parents",
                  "rights": "Parents delete data in the app", "processor_contracts": "Art. 28 DPA with Speech API",
                  "transfer_safeguards": "SCCs for the US processor", "art9_condition": "",
                  "art22_safeguards": ""},
    "individual_risks": [
        {"title": "Voice recordings leak", "harm": "A child's voice is exposed and can be misused",
         "feared_events": ["illegitimate_access"], "likelihood": "possible", "severity": "severe",
         "measures": "Encryption and 30-day deletion", "effect": "Exposure window shortened",
         "residual_likelihood": "remote", "residual_severity": "significant"},
        {"title": "Profiles altered", "harm": "Stories unsuitable for the child", "feared_events":
         ["unwanted_modification", "disappearance"], "likelihood": "remote", "severity": "significant",
         "measures": "Signed profile changes and backups", "effect": "Changes detectable and recoverable",
         "residual_likelihood": "remote", "residual_severity": "minimal"}],
    "conclusion": {"summary": "Residual risks are low to medium and accepted", "art36": "not_needed",
                   "art36_reason": "No high residual risk remains after the measures"},
    "regime_details": {"coppa": {"consent": "verifiable_parental_consent", "detail": "Card check by a parent"}},
}


def test_children_speech_app_in_us_and_eu_gets_coppa_and_a_dpia_required(kids_app, owner):
    services.privacy_assessment_save(actor=owner, system=kids_app, values={"scope": ANSWERED["scope"]})
    state = privacy_state(kids_app)
    assert {"gdpr", "coppa"} <= set(state.values["regimes"])
    assert state.resolved.answers["regimes"].state == "inferred"
    assert any("children" in why and "US" in why for why in state.resolved.answers["regimes"].because)
    assert state.screening.result == dpia.REQUIRED
    text = pia_text(kids_app, owner)
    assert "COPPA (children's privacy, US)" in text and "Verifiable parental consent, or the school's" in text


def test_large_scale_and_sensitive_only_from_answers_that_show_them(kids_app, owner):
    state = privacy_state(kids_app)
    # a public, internet-facing app is not "large scale" by itself
    assert "dpia_criteria.large_scale" not in state.inferred
    # message content (a prompt) is private communication: highly personal, so "sensitive"
    sensitive = state.inferred["dpia_criteria.sensitive_data"]
    assert sensitive.value["applies"] is True and any("highly personal" in b for b in sensitive.because)
    services.privacy_assessment_save(actor=owner, system=kids_app, values={"scope": {"people": 250000}})
    assert privacy_state(kids_app).inferred["dpia_criteria.large_scale"].value["applies"] is True
    services.privacy_assessment_save(actor=owner, system=kids_app, values={"scope": {"people": 300}})
    assert privacy_state(kids_app).inferred["dpia_criteria.large_scale"].value["applies"] is False


def test_art_35_3_mandatory_cases_are_named():
    criteria = {"large_scale": {"applies": True}, "systematic_monitoring": {"applies": True}}
    cases = dpia.mandatory_cases(criteria, special_categories=True)
    assert any(c.startswith("Art. 35(3)(b)") for c in cases) and any(c.startswith("Art. 35(3)(c)") for c in cases)
    screening = dpia.screen(True, {"large_scale": {"applies": True}}, mandatory=dpia.mandatory_cases(
        {"large_scale": {"applies": True}}, special_categories=True))
    assert screening.result == dpia.REQUIRED and screening.applies == 1
    assert "Art. 35(3)(b)" in screening.summary[0]


def test_each_dpia_element_is_printed_when_answered_and_flagged_missing_when_not(kids_app, owner, team):
    empty = make_system(team, owner, name="Blank chat")
    make_component(empty, "input", name="Chat", actor=owner, answers={"personal_data": "basic", "source": "end_users"})
    blank = pia_text(empty, owner)
    for flag in ("number of people concerned", "geographical area", "relationship with the people", "controller",
                 "who was consulted, when and what they said", "Data minimisation", "Transparency",
                 "risks to individuals (none recorded)", "overall residual-risk conclusion", "Art. 36 decision"):
        assert f"{flag}" in blank, flag
    assert blank.count("missing") >= 5

    services.privacy_assessment_save(actor=owner, system=kids_app, values=ANSWERED)
    text = pia_text(kids_app, owner)
    for shown in ("Story Buddy Ltd", "Speech API Inc.", "Dana Protection", "40,000", "2,000,000",
                  "Every story session, daily", "US, EU", "Parents subscribe; children use the app",
                  "Parent panel", "Wanted recordings deleted quickly", "Only the audio of a session, no names",
                  "30 days to handle complaints", "SCCs for the US processor", "A child's voice is exposed",
                  "Illegitimate access to personal data", "Unwanted modification of personal data",
                  "Disappearance of personal data", "Encryption and 30-day deletion", "Exposure window shortened",
                  "Residual risks are low to medium and accepted", "No high residual risk remains",
                  "Card check by a parent", "Art. 35(3)"):
        assert shown in text, shown
    sections = build_content("pia", kids_app)["dpia_sections"]
    assert not any(sections["missing"][k] for k in ("processing", "consultation", "necessity", "risks", "measures",
                                                    "conclusion")), sections["missing"]
    assert sections["overall_residual"] == "low"  # remote x significant on the ICO matrix


def _ready(system, owner):
    state = privacy_state(system)
    return services.privacy_assessment_save(actor=owner, system=system, values=ANSWERED,
                                            confirm=state.resolved.inferred_paths())


def test_ico_step_7_sign_off(kids_app, owner, team):
    dpo = member(team, Role.VIEWER, username="dana", first_name="Dana", last_name="Protection")
    services.privacy_assessment_save(actor=owner, system=kids_app, values=ANSWERED)
    review = timezone.localdate() + datetime.timedelta(days=365)
    ready = {"measures_approved_by": "Mia Manager", "residual_approved_by": "Rui Risk", "review_date": review,
             "dpo_advice_followed": True}
    # inferred answers still unconfirmed: refused, naming them
    with pytest.raises(ValidationError) as info:
        services.privacy_sign_off(actor=owner, system=kids_app, **ready)
    assert "confirm" in info.value.message_dict and "regimes" in info.value.message_dict["confirm"][0]
    _ready(kids_app, owner)
    # no DPO advice yet: refused; only a designated DPO may advise
    with pytest.raises(ValidationError) as info:
        services.privacy_sign_off(actor=owner, system=kids_app, **ready)
    assert "dpo_advice" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.privacy_dpo_advice(actor=dpo, system=kids_app, advice="Shorten retention")
    services.dpo_designate(actor=owner, team=team, user=dpo)
    assert DataProtectionOfficer.objects.filter(team=team, user=dpo).exists()
    services.privacy_dpo_advice(actor=dpo, system=kids_app, advice="Shorten retention to 7 days")
    # overruling needs a reason; every ICO field is required
    with pytest.raises(ValidationError) as info:
        services.privacy_sign_off(actor=owner, system=kids_app, **(ready | {"dpo_advice_followed": False}))
    assert "dpo_overruled_reason" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.privacy_sign_off(actor=owner, system=kids_app, **(ready | {"measures_approved_by": "",
                                                                          "review_date": None}))
    assert {"measures_approved_by", "review_date"} <= set(info.value.message_dict)
    a = services.privacy_sign_off(actor=owner, system=kids_app, **(ready | {
        "dpo_advice_followed": False, "dpo_overruled_reason": "Parents asked for 30 days to review stories"}))
    assert a.signed_off and a.dpo_advice_followed is False and a.review_date == review
    text = pia_text(kids_app, owner)
    for shown in ("Shorten retention to 7 days", "Dana Protection", "No, overruled: Parents asked for 30 days",
                  "Mia Manager", "Rui Risk", review.isoformat()):
        assert shown in text, shown
    people = {p["name"] for p in build_content("assurance", kids_app)["people"]}
    assert {"Mia Manager", "Rui Risk", "Dana Protection"} <= people


def test_dpo_designation_and_advice_through_the_api(kids_app, owner, team):
    from rest_framework.test import APIClient

    dpo = member(team, Role.VIEWER, username="dana")
    client = APIClient()
    client.force_authenticate(owner)
    listed = client.post(f"/api/v1/teams/{team.slug}/dpos/", {"username": "dana"}, format="json")
    assert listed.status_code == 200 and listed.json() == [{"username": "dana", "name": ""}]
    assert client.post(f"/api/v1/teams/{team.slug}/dpos/", {"username": "nobody"}, format="json").status_code == 400
    services.privacy_assessment_save(actor=owner, system=kids_app, values={"rights_process": "In the app"})
    as_dpo = APIClient()
    as_dpo.force_authenticate(dpo)
    url = f"/api/v1/systems/{kids_app.pk}/privacy/"
    advised = as_dpo.post(f"{url}dpo-advice/", {"advice": "Add a parental dashboard"}, format="json",
                          HTTP_IF_MATCH='"1"')
    assert advised.status_code == 200 and advised.json()["sign_off"]["dpo_advice"] == "Add a parental dashboard"
    refused = client.post(f"{url}dpo-advice/", {"advice": "Mine"}, format="json", HTTP_IF_MATCH='"2"')
    assert refused.status_code == 400 and "dpo_advice" in refused.content.decode()
    assert as_dpo.post(f"/api/v1/teams/{team.slug}/dpos/", {"username": "dana", "remove": True},
                       format="json").status_code == 403
