import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import scoring, services
from assessments.scoring import DEFAULT_MATRIX, band, suggest_residual, validate_level, validate_matrix


@pytest.mark.parametrize("likelihood, impact, expected", [
    (1, 1, "low"), (1, 4, "low"), (2, 2, "low"), (1, 5, "medium"), (3, 3, "medium"), (3, 2, "medium"),
    (2, 5, "high"), (4, 4, "high"), (5, 3, "high"), (4, 5, "critical"), (5, 4, "critical"), (5, 5, "critical"),
])
def test_default_bands_follow_the_score(likelihood, impact, expected):
    assert band(likelihood, impact) == expected


def test_default_matrix_is_monotonic_and_symmetric():
    for li in range(5):
        for im in range(5):
            assert DEFAULT_MATRIX[li][im] == DEFAULT_MATRIX[im][li]
            if li:
                assert scoring.BAND_RANK[DEFAULT_MATRIX[li][im]] >= scoring.BAND_RANK[DEFAULT_MATRIX[li - 1][im]]


@pytest.mark.parametrize("value", [0, 6, -1, "x", None, 2.5, True, "3.0"])
def test_levels_outside_1_to_5_name_the_field(value):
    with pytest.raises(ValidationError) as exc:
        validate_level(value, "likelihood")
    assert "likelihood" in exc.value.message_dict


def test_levels_accept_numeric_text():
    assert validate_level("4", "impact") == 4


def test_matrix_validation_names_the_bad_cell():
    rows = [list(r) for r in DEFAULT_MATRIX]
    rows[2][3] = "severe"
    with pytest.raises(ValidationError) as exc:
        validate_matrix(rows)
    assert "likelihood 3, impact 4" in exc.value.message_dict["risk_matrix"][0]
    rows = [list(r) for r in DEFAULT_MATRIX]
    rows[4][4] = "low"  # the worst cell better than its neighbours
    with pytest.raises(ValidationError) as exc:
        validate_matrix(rows)
    assert any("cannot lower the band" in m for m in exc.value.message_dict["risk_matrix"])
    with pytest.raises(ValidationError):
        validate_matrix([["low"] * 5] * 4)
    assert validate_matrix([list(r) for r in DEFAULT_MATRIX]) is None  # the default is stored as "no override"


@pytest.mark.parametrize("mitigations, expected", [
    ([], (5, 4)),
    ([("proposed", "preventive"), ("in_progress", "preventive"), ("rejected", "detective")], (5, 4)),
    ([("implemented", "preventive")], (4, 4)),
    ([("verified", "preventive")], (3, 4)),
    ([("verified", "preventive"), ("verified", "preventive")], (3, 4)),  # at most two steps per axis
    ([("implemented", "detective")], (5, 3)),
    ([("verified", "corrective"), ("implemented", "preventive")], (4, 2)),
    ([("verified", "")], (3, 4)),  # a custom mitigation without a kind counts as preventive
])
def test_residual_rule(mitigations, expected):
    assert suggest_residual(5, 4, mitigations) == expected


def test_residual_never_goes_below_one():
    assert suggest_residual(1, 2, [("verified", "preventive"), ("verified", "detective")]) == (1, 1)


@pytest.mark.django_db
def test_team_owner_adjusts_the_matrix_through_the_service(team, owner, contributor):
    rows = [list(r) for r in DEFAULT_MATRIX]
    rows[2][2] = "high"
    services.risk_matrix_update(actor=owner, team=team, matrix=rows)
    team.refresh_from_db()
    assert scoring.matrix_for(team)[2][2] == "high"
    with pytest.raises(PermissionDenied):
        services.risk_matrix_update(actor=contributor, team=team, matrix=None)
    services.risk_matrix_update(actor=owner, team=team, matrix=None)
    team.refresh_from_db()
    assert team.risk_matrix is None and scoring.matrix_for(team) == DEFAULT_MATRIX


@pytest.mark.django_db
def test_band_rank_expression_sorts_in_sql(catalog, system):
    from assessments.models import Risk

    rows = Risk.objects.filter(system=system).annotate(rank=scoring.band_rank_expression(DEFAULT_MATRIX))
    for risk in rows:
        assert risk.rank == scoring.BAND_RANK[band(risk.likelihood, risk.impact)]
