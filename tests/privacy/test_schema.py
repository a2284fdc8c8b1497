"""Validation of the privacy answers: every bad place is named, values are normalised."""

import pytest
from django.core.exceptions import ValidationError

from assessments.privacy.prefill import Inferred
from assessments.privacy.resolve import CONFIRMED, EDITED, INFERRED, next_provenance, resolve
from assessments.privacy.schema import clean_values, default_values


def errors_of(data, **kwargs) -> dict:
    with pytest.raises(ValidationError) as info:
        clean_values(data, **kwargs)
    return info.value.message_dict


def test_valid_answers_are_normalised():
    cleaned = clean_values({
        "data_subjects": ["children", "customers", "children"],
        "data_categories": [{"category": "health", "retention": " 2 years "}, {"category": "identity_contact"}],
        "residency": {"stored_in": "EU, Switzerland\nUK", "processed_in": ["US"]},
        "transfers": [{"recipient": "Model vendor", "safeguards": ["scc", "dpa"], "model_provider": True}],
    })
    assert cleaned["data_subjects"] == ["customers", "children"]  # vocabulary order, no duplicates
    assert [c["category"] for c in cleaned["data_categories"]] == ["identity_contact", "health"]
    assert cleaned["data_categories"][1]["retention"] == "2 years"
    assert cleaned["residency"]["stored_in"] == ["EU", "Switzerland", "UK"]
    assert cleaned["transfers"][0]["safeguards"] == ["dpa", "scc"]


def test_errors_name_the_exact_place():
    errors = errors_of({
        "regimes": ["gdpr", "lgpd"],
        "purposes": [{"purpose": "", "legal_basis": "because"}],
        "transfers": [{"recipient": "X", "role": "boss", "colour": "red"}],
        "erasure": {"logs": {"applies": "sometimes"}},
        "dpia_criteria": {"large_scale": {"applies": 1}, "astrology": {}},
        "nonsense": 1,
    })
    assert "regimes" in errors and "lgpd" in errors["regimes"][0]
    assert "purposes[0].purpose" in errors and "purposes[0].legal_basis" in errors
    assert "transfers[0].role" in errors and "transfers[0].colour" in errors
    assert "erasure.logs.applies" in errors
    assert "dpia_criteria.large_scale.applies" in errors and "dpia_criteria.astrology" in errors
    assert errors["nonsense"] == ["Unknown field."]


def test_duplicate_categories_are_refused():
    errors = errors_of({"data_categories": [{"category": "voice"}, {"category": "voice"}]})
    assert "data_categories[1].category" in errors


def test_defaults_are_valid():
    assert clean_values(default_values())["dpia_criteria"]["large_scale"] == {"applies": None, "note": ""}


def test_provenance_after_a_save():
    inferred = {"data_subjects": Inferred(["children"], ("users include children",)),
                "regimes": Inferred(["gdpr"], ("answer",))}
    current = resolve({}, {}, inferred)
    # same value as inferred and not confirmed: stays inferred; a different value: edited; confirmed: confirmed
    prov = next_provenance(current, {}, {"data_subjects": ["children"], "regimes": ["gdpr", "ccpa"]}, set(), set())
    assert prov == {"regimes": EDITED}
    prov = next_provenance(current, {}, {}, {"data_subjects"}, set())
    assert prov == {"data_subjects": CONFIRMED}
    again = resolve({"data_subjects": ["children"]}, prov, inferred)
    assert again.answers["data_subjects"].state == CONFIRMED
    assert next_provenance(again, prov, {}, set(), {"data_subjects"}) == {}
    assert resolve({}, {}, inferred).answers["regimes"].state == INFERRED
