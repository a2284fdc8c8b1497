"""One mitigation editor for the register and the workshop: statuses from the model, a risk picker that
offers triaged risks with their component and status (never an untriaged suggestion), one write per save."""

import pytest
from django.urls import reverse

from assessments import services
from assessments.mitigation_editor import MitigationForm, RiskPicker, save_mitigation
from assessments.models import Mitigation, Risk, RiskStatus
from threatmodel.models import AuditEvent

pytestmark = pytest.mark.django_db


def triaged(system, contributor, n=2):
    risks = list(Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED, component__isnull=False)
                 .select_related("component").order_by("id")[:n])
    for r in risks:
        services.risk_transition(actor=contributor, risk=r, status="open")
    return risks


def test_the_picker_offers_triaged_risks_with_component_and_status(system, contributor):
    first, second = triaged(system, contributor)
    untriaged = Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED).first()
    form = MitigationForm(system=system)
    assert isinstance(form.fields["risks"].widget, RiskPicker)
    offered = dict(form.fields["risks"].choices)
    assert set(offered) == {first.pk, second.pk} and untriaged.pk not in offered
    label = offered[first.pk]
    assert (label.where, label.status) == (first.component.name, "Open") and first.title in label.title
    # the risk being mitigated is offered even while it is a suggestion (mitigating it is how it is triaged)
    from_risk = MitigationForm(system=system, risk=untriaged)
    assert untriaged.pk in dict(from_risk.fields["risks"].choices)


def test_the_picker_renders_a_filter_and_a_plain_list(login, system, contributor):
    first, _second = triaged(system, contributor)
    html = login(contributor).get(reverse("mitigation_create", args=[system.pk])).content.decode()
    assert 'data-risk-picker' in html and 'data-picker-filter hidden' in html  # the filter appears with JS
    assert f'value="{first.pk}"' in html and first.component.name in html
    assert 'type="checkbox"' in html and "Open" in html
    assert 'multiple' not in html.split("data-risk-picker", 1)[1].split("</fieldset>", 1)[0]  # no Ctrl-click


def test_an_edit_with_a_status_change_is_one_write(system, contributor):
    first, second = triaged(system, contributor)
    m = services.mitigation_create(actor=contributor, system=system, title="Filter prompts", risks=[first])
    form = MitigationForm({"version": m.version, "title": "Filter prompts v2", "kind": "detective",
                           "status": "in_progress", "risks": [first.pk, second.pk]}, system=system, mitigation=m)
    assert form.is_valid(), form.errors
    saved = save_mitigation(form, actor=contributor)
    assert (saved.title, saved.kind, saved.status, saved.version) == ("Filter prompts v2", "detective",
                                                                       "in_progress", m.version + 1)
    assert set(saved.risks.values_list("pk", flat=True)) == {first.pk, second.pk}
    mine = AuditEvent.objects.filter(object_type="assessments.mitigation", object_id=str(m.pk))
    assert list(mine.order_by("seq").values_list("action", flat=True)) == ["mitigation.created", "mitigation.updated"]


def test_a_suggestion_cannot_be_linked_through_the_form(system, contributor):
    suggestion = Risk.objects.filter(system=system, status=RiskStatus.SUGGESTED).first()
    form = MitigationForm({"source": "custom", "title": "Canary prompts", "risks": [suggestion.pk]}, system=system)
    assert not form.is_valid() and "risks" in form.errors
    assert not Mitigation.objects.filter(system=system).exists()


def test_rejecting_needs_a_reason_on_the_one_form(system, contributor):
    m = services.mitigation_create(actor=contributor, system=system, title="Filter prompts")
    form = MitigationForm({"version": m.version, "title": m.title, "status": "rejected"}, system=system,
                          mitigation=m)
    assert not form.is_valid() and "status_reason" in form.errors
