"""DPIA screening and the inference behind it, on plain values (no database)."""

from assessments.privacy import dpia, vocab
from assessments.privacy.dpia import screening_for
from assessments.privacy.prefill import Link, Part, infer
from assessments.privacy.resolve import resolve


def screen_model(system_answers, parts, links):
    inferred = infer(system_answers, parts, links)
    resolved = resolve({}, {}, inferred)
    return inferred, resolved, screening_for(resolved)


def childrens_speech_app():
    parts = [
        Part(1, "input", "Child's voice", {"source": "end_users", "purpose": ["prompt"], "personal_data": "children",
                                           "untrusted_content": True}),
        Part(2, "model", "Speech recogniser", {"model_type": "speech", "provider": "third_party_api",
                                               "hosting": "managed_api", "logs_prompts": True}),
        Part(3, "output", "Spoken answer", {"consumer": ["end_user"], "affects_individuals": False,
                                            "may_contain_personal_data": True}),
    ]
    links = [Link(1, 2, {"personal_data": True, "crosses_trust_boundary": True}), Link(2, 3, {})]
    answers = {"internet_facing": True, "users": ["children", "public"], "regimes": ["gdpr", "coppa"]}
    return answers, parts, links


def internal_forecasting_model():
    parts = [
        Part(1, "input", "Sales history", {"source": "internal_systems", "purpose": ["training", "features"],
                                           "personal_data": "none"}),
        Part(2, "model", "Demand forecaster", {"model_type": "regression", "provider": "in_house",
                                               "hosting": "self_hosted_cloud", "trained_on_personal_data": False}),
        Part(3, "output", "Weekly forecast", {"consumer": ["internal_user"], "affects_individuals": False,
                                              "may_contain_personal_data": False}),
    ]
    links = [Link(1, 2, {"personal_data": False}), Link(2, 3, {"personal_data": False})]
    return {"internet_facing": False, "users": ["employees"]}, parts, links


def test_childrens_speech_app_needs_a_dpia():
    inferred, resolved, screening = screen_model(*childrens_speech_app())
    assert screening.result == dpia.REQUIRED
    assert screening.required is True
    met = {c.key for c in screening.criteria if c.applies}
    assert {"vulnerable_subjects", "innovative_technology", "sensitive_data"} <= met
    assert "large_scale" not in met  # internet-facing and public says nothing of the number of people
    assert screening.applies >= vocab.DPIA_THRESHOLD
    # the reasoning names the criteria and where each came from
    text = " ".join(screening.reasoning)
    assert "Data concerning vulnerable data subjects: applies (inferred from the model" in text
    assert "children" in text
    assert screening.summary[0].startswith("3 of the nine EDPB criteria apply")
    # the inferred answers the PIA prefills
    assert inferred["processes_personal_data"].value is True
    assert inferred["data_subjects"].value == ["public", "children"]
    categories = [row["category"] for row in inferred["data_categories"].value]
    assert "voice" in categories and "identity_contact" in categories
    assert inferred["regimes"].value == ["gdpr", "coppa"]
    [transfer] = inferred["transfers"].value
    assert transfer["model_provider"] is True and "Speech recogniser" in transfer["recipient"]
    assert inferred["erasure"].value["logs"]["applies"] is True
    assert all(a.state == "inferred" for p, a in resolved.answers.items() if p in inferred)


def test_internal_forecasting_model_without_personal_data_needs_no_dpia():
    inferred, _resolved, screening = screen_model(*internal_forecasting_model())
    assert inferred["processes_personal_data"].value is False
    assert screening.result == dpia.NOT_REQUIRED
    assert screening.required is False
    assert "processes no personal data" in screening.summary[0]
    assert "data_subjects" not in inferred and "transfers" not in inferred


def test_confirmed_answers_stop_following_the_model():
    answers, parts, links = childrens_speech_app()
    inferred = infer(answers, parts, links)
    stored = {"dpia_criteria": {"large_scale": {"applies": False, "note": "A pilot with 40 families"}}}
    resolved = resolve(stored, {"dpia_criteria.large_scale": "edited"}, inferred)
    answer = resolved.answers["dpia_criteria.large_scale"]
    assert answer.state == "edited" and answer.value["applies"] is False
    assert screening_for(resolved).result == dpia.REQUIRED  # still two criteria


def test_one_criterion_with_open_ones_is_undetermined_and_none_is_not_required():
    criteria = {k: {"applies": None, "note": ""} for k in vocab.CRITERION_KEYS}
    criteria["evaluation_scoring"] = {"applies": True, "note": ""}
    assert dpia.screen(True, criteria).result == dpia.UNDETERMINED
    answered = {k: {"applies": False, "note": ""} for k in vocab.CRITERION_KEYS}
    answered["evaluation_scoring"] = {"applies": True, "note": ""}
    result = dpia.screen(True, answered)
    assert result.result == dpia.NOT_REQUIRED
    assert any("supervisory authority" in line for line in result.summary)
    answered["automated_decision"] = {"applies": True, "note": ""}
    assert dpia.screen(True, answered).result == dpia.REQUIRED


def test_automated_decisions_and_combined_sources_are_inferred():
    parts = [
        Part(1, "input", "Application form", {"source": "end_users", "personal_data": "basic",
                                              "purpose": ["features"]}),
        Part(2, "input", "Credit bureau file", {"source": "partners", "personal_data": "sensitive",
                                                "purpose": ["features"]}),
        Part(3, "model", "Scorer", {"model_type": "classifier", "provider": "in_house"}),
        Part(4, "output", "Decision", {"consumer": ["automated_decision"], "affects_individuals": True,
                                       "human_review": False}),
    ]
    links = [Link(1, 3, {}), Link(2, 3, {}), Link(3, 4, {})]
    inferred = infer({"users": ["customers"], "sector": "finance"}, parts, links)
    for key in ("evaluation_scoring", "automated_decision", "matching_combining", "sensitive_data"):
        assert inferred[f"dpia_criteria.{key}"].value["applies"] is True, key
    assert "prevents_rights" not in {p.split(".")[-1] for p in inferred}  # needs a person's judgement
    categories = [row["category"] for row in inferred["data_categories"].value]
    assert "financial" in categories and "special_unspecified" in categories and "behavioural" in categories


def test_unknown_answers_infer_nothing():
    parts = [Part(1, "input", "Mystery input", {}), Part(2, "model", "Mystery model", {})]
    assert infer({}, parts, [Link(1, 2, {})]) == {}
