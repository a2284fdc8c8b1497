"""The PIA report states the DPIA outcome, its reasoning and which answers were inferred."""

import pytest

from assessments.privacy import services
from assessments.reports.content import build_content, content_sha256
from assessments.reports.render import render_html, render_pdf

from ..reports.conftest import pdf_text


def pia_text(system, user) -> str:
    content = build_content("pia", system, generated_by=user)
    return pdf_text(render_pdf(render_html(content, content_sha256=content_sha256(content))).data)


@pytest.mark.parametrize(("fixture", "verdict", "reason"), [
    ("speech_app", "DPIA likely required", "3 of the nine EDPB criteria apply"),
    ("forecaster", "DPIA not required", "The system processes no personal data"),
])
def test_dpia_outcome_and_reasoning_in_the_pdf(request, owner, fixture, verdict, reason):
    system = request.getfixturevalue(fixture)
    text = pia_text(system, owner)
    assert verdict in text and reason in text
    assert "Answers inferred from the model" in text


def test_confirmed_answers_are_no_longer_listed_as_inferred(speech_app, owner):
    before = pia_text(speech_app, owner)
    assert "Data subjects inferred Because the system's users include public; the system's users include children" \
        in before
    services.privacy_assessment_save(actor=owner, system=speech_app, confirm=["data_subjects"],
                                     values={"purposes": [{"purpose": "Tell stories", "legal_basis": "consent"}]})
    after = pia_text(speech_app, owner)
    assert "Data subjects inferred Because" not in after
    assert "Tell stories Legal basis: Consent" in after
