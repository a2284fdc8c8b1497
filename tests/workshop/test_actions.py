"""Inline actions of the workshop: every write goes through a service, refuses stale versions and keeps input."""

import datetime

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Mitigation, Risk, RiskStatus
from threatmodel import services as tm
from threatmodel.models import AISystem, Component, DataFlow, Role

from ..factories import member
from .helpers import HX, form_data, suggestion

pytestmark = pytest.mark.django_db


def post(client, name, pk, data, htmx=True):
    return client.post(reverse(name, args=[pk]), data, **(HX if htmx else {}))


# --- suggestions and risks ------------------------------------------------------------------------

def test_accept_a_suggestion(login, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    response = post(client, "workshop_risk_transition", risk.pk, {"version": risk.version, "status": "open"})
    assert response.status_code == 200
    assert response["HX-Trigger"] == "workshop:refresh"
    html = response.content.decode()
    assert f'id="risk-{risk.pk}"' in html and "Open" in html and 'data-action="mitigate"' in html
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN


def test_accept_on_a_stale_card_is_refused_and_shows_the_current_state(login, team, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    other = member(team, Role.CONTRIBUTOR)
    services.risk_transition(actor=other, risk=risk, status="dismissed", reason="Handled by the gateway")
    response = post(client, "workshop_risk_transition", risk.pk, {"version": risk.version, "status": "open"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this risk" in html and "Handled by the gateway" in html
    risk.refresh_from_db()
    assert risk.status == RiskStatus.DISMISSED


def test_dismiss_needs_a_reason_shown_next_to_the_field(login, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    form = client.get(reverse("workshop_risk_dismiss", args=[risk.pk]), **HX).content.decode()
    assert 'name="reason"' in form and "data-editing" in form
    response = post(client, "workshop_risk_dismiss", risk.pk, {"version": risk.version, "reason": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_reason_error"' in html and "Give a reason" in html
    risk.refresh_from_db()
    assert risk.status == RiskStatus.SUGGESTED
    response = post(client, "workshop_risk_dismiss", risk.pk, {"version": risk.version,
                                                                 "reason": "Input is authenticated staff only"})
    assert response.status_code == 200
    risk.refresh_from_db()
    assert risk.status == RiskStatus.DISMISSED and risk.status_reason == "Input is authenticated staff only"


def test_dismiss_on_a_stale_card_keeps_the_reason(login, team, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    services.risk_update(actor=member(team, Role.CONTRIBUTOR), risk=risk, likelihood=2)
    response = post(client, "workshop_risk_dismiss", risk.pk, {"version": risk.version, "reason": "My long reason"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "My long reason" in html and f'name="version" value="{risk.version + 1}"' in html
    risk.refresh_from_db()
    assert risk.status == RiskStatus.SUGGESTED


def edit_data(risk, **changes):
    data = {"version": risk.version, "title": risk.title, "description": risk.description,
            "likelihood": risk.likelihood, "impact": risk.impact, "owner": risk.owner_id or "",
            "due": risk.due or "", "treatment": risk.treatment, "residual_likelihood": risk.residual_likelihood,
            "residual_impact": risk.residual_impact, "residual_reason": ""}
    data.update(changes)
    return data


def test_score_and_assign_in_place(login, team, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    services.risk_transition(actor=contributor, risk=risk, status="open")
    risk.refresh_from_db()
    owner = member(team, Role.CONTRIBUTOR, username="owner-of-risk")
    response = post(client, "workshop_risk_edit", risk.pk, edit_data(
        risk, likelihood=5, impact=5, owner=owner.pk, due="2031-03-01", treatment="mitigate"))
    assert response.status_code == 200, response.content.decode()[:3000]
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact, risk.owner, risk.due) == (5, 5, owner, datetime.date(2031, 3, 1))
    assert risk.treatment == "mitigate"
    html = response.content.decode()
    assert "L5 × I5 = 25" in html and "owner-of-risk" in html and "data-editing" not in html


def test_concurrent_edit_conflict_keeps_input_and_shows_current_value(login, team, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    stale = edit_data(risk, likelihood=2, impact=4)
    services.risk_update(actor=member(team, Role.CONTRIBUTOR), risk=risk, likelihood=5, description="Theirs")
    response = post(client, "workshop_risk_edit", risk.pk, stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this" in html
    assert "<strong>Now:</strong> 5 · Almost certain" in html and "<strong>Now:</strong> Theirs" in html
    assert '<option value="2" selected>2 · Unlikely</option>' in html  # my input is kept
    assert f'name="version" value="{risk.version + 1}"' in html
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact) == (5, risk.impact)
    # re-applying mine on the current version works
    stale["version"] = risk.version
    assert post(client, "workshop_risk_edit", risk.pk, stale).status_code == 200
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact, risk.description) == (2, 4, risk.description)


def test_conflict_merges_what_each_person_changed(login, team, contributor, rag):
    """Like two browsers: both load the form; the other person changes the likelihood, I change the impact.
    My save is refused, their likelihood is taken over, my impact is kept; saving again keeps both."""
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    html = client.get(reverse("workshop_risk_edit", args=[risk.pk]), **HX).content.decode()
    data = form_data(html)
    assert data["initial-likelihood"] == [str(risk.likelihood)]  # the value as loaded travels with the form
    data["impact"] = ["2"]
    data["description"] = ["Mine"]
    services.risk_update(actor=member(team, Role.CONTRIBUTOR), risk=risk, likelihood=1)
    response = client.post(reverse("workshop_risk_edit", args=[risk.pk]), data, **HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "1 · Rare (someone else&#x27;s change, taken over)" in html
    merged = form_data(html)
    assert merged["likelihood"] == ["1"] and merged["impact"] == ["2"] and merged["description"] == ["Mine"]
    assert client.post(reverse("workshop_risk_edit", args=[risk.pk]), merged, **HX).status_code == 200
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact, risk.description) == (1, 2, "Mine")


def test_residual_override_needs_a_reason(login, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    response = post(client, "workshop_risk_edit", risk.pk, edit_data(risk, override_residual="on",
                                                                       residual_likelihood=1, residual_impact=1))
    assert response.status_code == 422
    assert 'id="id_residual_reason_error"' in response.content.decode()
    response = post(client, "workshop_risk_edit", risk.pk, edit_data(
        risk, override_residual="on", residual_likelihood=1, residual_impact=2, residual_reason="WAF in front"))
    assert response.status_code == 200
    risk.refresh_from_db()
    assert (risk.residual_likelihood, risk.residual_impact, risk.residual_overridden) == (1, 2, True)


def test_mitigate_with_a_suggested_control_and_an_owner(login, team, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    services.risk_transition(actor=contributor, risk=risk, status="open")
    other = suggestion(rag, "AI-IN-002")
    services.risk_transition(actor=contributor, risk=other, status="open")
    form = client.get(reverse("workshop_risk_mitigate", args=[risk.pk]), **HX).content.decode()
    control = risk.template.controls.order_by("ref").first()
    assert f'value="control:{control.ref}"' in form
    owner = member(team, Role.CONTRIBUTOR, username="mitigation-owner")
    response = post(client, "workshop_risk_mitigate", risk.pk, {
        "source": f"control:{control.ref}", "kind": "preventive", "owner": owner.pk, "due": "2031-01-31",
        "risks": [risk.pk, other.pk]})
    assert response.status_code == 200, response.content.decode()[:2000]
    mitigation = Mitigation.objects.get(system=rag)
    assert mitigation.control == control and mitigation.owner == owner
    assert set(mitigation.risks.values_list("pk", flat=True)) == {risk.pk, other.pk}
    assert control.title in response.content.decode()
    # the same control on another risk links the existing mitigation instead of adding a second one
    form = client.get(reverse("workshop_risk_mitigate", args=[other.pk]), **HX).content.decode()
    if f"control:{control.ref}" not in form and f'value="existing:{mitigation.pk}"' in form:
        assert "the team has it" in form or "Existing:" in form


def test_write_your_own_mitigation_needs_a_title(login, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    response = post(client, "workshop_risk_mitigate", risk.pk, {"source": "custom", "kind": "detective",
                                                                  "risks": [risk.pk]})
    assert response.status_code == 422
    assert 'id="id_title_error"' in response.content.decode()
    response = post(client, "workshop_risk_mitigate", risk.pk, {"source": "custom", "kind": "detective",
                                                                  "title": "Canary prompts", "risks": [risk.pk]})
    assert response.status_code == 200
    assert Mitigation.objects.get(system=rag).title == "Canary prompts"


def test_custom_risk(login, contributor, rag):
    client = login(contributor)
    response = post(client, "workshop_risk_new", rag.pk, {"title": "", "likelihood": 3, "impact": 3})
    assert response.status_code == 422 and 'id="id_title_error"' in response.content.decode()
    chat = Component.objects.get(system=rag, name="Customer chat")
    response = post(client, "workshop_risk_new", rag.pk, {"title": "Support agents paste secrets into chat",
                                                          "component": chat.pk, "likelihood": 4, "impact": 3})
    assert response.status_code == 200 and "Added" in response.content.decode()
    risk = Risk.objects.get(system=rag, title="Support agents paste secrets into chat")
    assert risk.template is None and risk.status == RiskStatus.OPEN and risk.component == chat


def test_mitigation_edit_and_reject_needs_a_reason(login, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    m = services.mitigation_create(actor=contributor, system=rag, title="Input filter", risks=[risk.pk])
    data = {"version": m.version, "title": "Input filter v2", "owner": contributor.pk, "due": "2031-02-02",
            "status": "planned", "status_reason": "", "evidence": "", "risks": [risk.pk]}
    response = post(client, "workshop_mitigation_edit", m.pk, data)
    assert response.status_code == 200, response.content.decode()[:2000]
    m.refresh_from_db()
    assert (m.title, m.owner, m.status) == ("Input filter v2", contributor, "planned")
    data.update(version=m.version, status="rejected")
    response = post(client, "workshop_mitigation_edit", m.pk, data)
    assert response.status_code == 422 and 'id="id_status_reason_error"' in response.content.decode()


def test_without_javascript_the_forms_post_and_come_back(login, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    response = post(client, "workshop_risk_transition", risk.pk, {"version": risk.version, "status": "open"},
                    htmx=False)
    assert response.status_code == 302 and response.url.endswith(f"/workshop/#risk-{risk.pk}")
    page = client.get(reverse("workshop_risk_edit", args=[risk.pk]))
    assert page.status_code == 200 and b"<html" in page.content and b"Back to the workshop" in page.content


# --- the model ------------------------------------------------------------------------------------

def test_add_a_component_with_its_questionnaire(login, contributor, rag):
    client = login(contributor)
    form = client.get(reverse("workshop_component_new", args=[rag.pk]) + "?kind=input", **HX).content.decode()
    assert 'name="q_untrusted_content"' in form
    response = post(client, "workshop_component_new", rag.pk, {
        "kind": "input", "name": "Uploaded PDFs", "description": "", "q_source": "end_users",
        "q_purpose": ["retrieval_corpus"], "q_untrusted_content": "yes"})
    assert response.status_code == 200 and response["HX-Trigger"] == "workshop:refresh"
    assert "Added input" in response.content.decode()
    component = Component.objects.get(system=rag, name="Uploaded PDFs")
    assert component.answers == {"source": "end_users", "purpose": ["retrieval_corpus"], "untrusted_content": True}


def test_component_errors_are_next_to_the_field(login, contributor, rag):
    client = login(contributor)
    response = post(client, "workshop_component_new", rag.pk, {"kind": "input", "name": "", "q_source": "mars"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_name_error"' in html and 'id="id_q_source_error"' in html


def test_component_edit_conflict(login, team, contributor, rag):
    client = login(contributor)
    chat = Component.objects.get(system=rag, name="Customer chat")
    data = {"kind": "input", "version": chat.version, "name": "Chat (mine)", "description": chat.description,
            "q_source": "end_users", "q_purpose": ["prompt"], "q_untrusted_content": "yes"}
    tm.component_update(actor=member(team, Role.CONTRIBUTOR), component=chat, name="Chat (theirs)")
    response = post(client, "workshop_component", chat.pk, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "<strong>Now:</strong> Chat (theirs)" in html and 'value="Chat (mine)"' in html
    data["version"] = chat.version + 1
    assert post(client, "workshop_component", chat.pk, data).status_code == 200
    assert Component.objects.get(pk=chat.pk).name == "Chat (mine)"


def test_system_questions_in_the_side_panel(login, contributor, rag):
    client = login(contributor)
    response = post(client, "workshop_system_questions", rag.pk, {
        "version": rag.version, "q_internet_facing": "no", "q_users": ["employees"]})
    assert response.status_code == 200 and "System questions saved" in response.content.decode()
    rag.refresh_from_db()
    assert rag.answers == {"internet_facing": False, "users": ["employees"]}
    stale = post(client, "workshop_system_questions", rag.pk, {"version": rag.version - 1, "q_internet_facing": "yes"})
    assert stale.status_code == 409
    assert AISystem.objects.get(pk=rag.pk).answers["internet_facing"] is False


def test_flows_inline(login, contributor, rag):
    client = login(contributor)
    chat = Component.objects.get(system=rag, name="Customer chat")
    response = post(client, "workshop_flow_new", rag.pk, {"source": chat.pk, "target": chat.pk, "label": "loop"})
    assert response.status_code == 422 and 'id="id_target_error"' in response.content.decode()
    answer = Component.objects.get(system=rag, name="Chat answer")
    response = post(client, "workshop_flow_new", rag.pk, {"source": answer.pk, "target": chat.pk,
                                                           "label": "follow-up", "q_crosses_trust_boundary": "yes"})
    assert response.status_code == 200
    flow = DataFlow.objects.get(system=rag, label="follow-up")
    assert flow.answers == {"crosses_trust_boundary": True}
    assert post(client, "workshop_flow_delete", flow.pk, {}).status_code == 200
    assert not DataFlow.objects.filter(pk=flow.pk).exists()


def test_a_stale_mitigation_edit_keeps_the_input_and_shows_the_current_values(login, contributor, rag):
    client = login(contributor)
    risk = suggestion(rag, "AI-IN-001")
    m = services.mitigation_create(actor=contributor, system=rag, title="Input filter", risks=[risk.pk])
    stale = m.version
    services.mitigation_update(actor=contributor, mitigation=m, title="Input filter (renamed meanwhile)")
    response = post(client, "workshop_mitigation_edit", m.pk, {
        "version": stale, "title": "Input filter", "status": "planned", "evidence": "Pen test report",
        "risks": [risk.pk]})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this" in html and "Pen test report" in html
    m.refresh_from_db()
    assert (m.status, m.evidence) == ("proposed", "")  # nothing applied
