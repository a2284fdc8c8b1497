"""Risk scoring: likelihood x impact on a 5x5 matrix, bands, and the residual suggestion rule.

The matrix is data: ``matrix[likelihood - 1][impact - 1]`` is the band of that cell. The product
default below follows the usual score bands (score = likelihood x impact):

    1-4 low · 5-9 medium · 10-16 high · 20-25 critical

A team owner can move any cell (``Team.risk_matrix``, written only through
``assessments.services.risk_matrix_update``); a team matrix must use the four band keys and must
never get better as likelihood or impact grows (monotonic), or it is refused naming the cell.

Residual suggestion rule (see docs/register.md): a risk's residual score starts at its inherent
score; each linked mitigation that is *implemented* takes one step off, each *verified* one two
steps. Preventive mitigations reduce likelihood; detective and corrective ones reduce impact.
Proposed, planned, in-progress and rejected mitigations count for nothing. The rule never takes
more than two steps off either axis and never goes below 1: larger reductions need the assessor's
override, with a reason.
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When

LEVELS = (1, 2, 3, 4, 5)
BANDS = ("low", "medium", "high", "critical")
BAND_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
BAND_RANK = {band: rank for rank, band in enumerate(BANDS, start=1)}

LIKELIHOOD_LABELS = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
IMPACT_LABELS = {1: "Negligible", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Severe"}


def _default_band(score: int) -> str:
    if score >= 20:
        return "critical"
    if score >= 10:
        return "high"
    if score >= 5:
        return "medium"
    return "low"


DEFAULT_MATRIX: tuple[tuple[str, ...], ...] = tuple(
    tuple(_default_band(likelihood * impact) for impact in LEVELS) for likelihood in LEVELS
)

# Residual rule parameters (documented above and in docs/register.md).
RESIDUAL_CREDIT = {"implemented": 1, "verified": 2}
RESIDUAL_MAX_STEPS = 2
LIKELIHOOD_KINDS = frozenset({"preventive", ""})
IMPACT_KINDS = frozenset({"detective", "corrective"})


def score(likelihood: int | None, impact: int | None) -> int | None:
    if not likelihood or not impact:
        return None
    return int(likelihood) * int(impact)


def validate_level(value, field: str) -> int:
    """An integer 1-5, or ValidationError naming the field."""
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: f"{field.replace('_', ' ').capitalize()} must be a whole number from 1 to 5."})
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or str(number) != str(value).strip() or number not in LEVELS:
        raise ValidationError({field: f"{field.replace('_', ' ').capitalize()} must be a whole number from 1 to 5."})
    return number


def validate_matrix(value) -> list[list[str]] | None:
    """Normalise a team matrix; ``None`` (or the default itself) means the product default."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("cells")
    errors = []
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 5:
        raise ValidationError({"risk_matrix": "The matrix must be 5 rows (likelihood 1-5) of 5 bands (impact 1-5)."})
    rows = []
    for li, row in enumerate(value, start=1):
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != 5:
            raise ValidationError({"risk_matrix": f"Row for likelihood {li} must have 5 bands (impact 1-5)."})
        for im, band in enumerate(row, start=1):
            if band not in BANDS:
                errors.append(f"likelihood {li}, impact {im}: '{band}' is not one of {', '.join(BANDS)}.")
        rows.append([str(b) for b in row])
    if errors:
        raise ValidationError({"risk_matrix": errors})
    for li in range(5):
        for im in range(5):
            rank = BAND_RANK[rows[li][im]]
            if li and BAND_RANK[rows[li - 1][im]] > rank:
                errors.append(f"likelihood {li + 1}, impact {im + 1}: a higher likelihood cannot lower the band.")
            if im and BAND_RANK[rows[li][im - 1]] > rank:
                errors.append(f"likelihood {li + 1}, impact {im + 1}: a higher impact cannot lower the band.")
    if errors:
        raise ValidationError({"risk_matrix": errors})
    if tuple(tuple(r) for r in rows) == DEFAULT_MATRIX:
        return None
    return rows


def matrix_for(team) -> tuple[tuple[str, ...], ...]:
    """The team's matrix, falling back to the default when unset or unreadable."""
    raw = getattr(team, "risk_matrix", None)
    if raw:
        try:
            rows = validate_matrix(raw)
        except ValidationError:
            rows = None
        if rows:
            return tuple(tuple(r) for r in rows)
    return DEFAULT_MATRIX


def band(likelihood: int | None, impact: int | None, matrix=None) -> str | None:
    if not likelihood or not impact:
        return None
    matrix = matrix or DEFAULT_MATRIX
    return matrix[int(likelihood) - 1][int(impact) - 1]


def cells_in_band(band_key: str, matrix=None) -> list[tuple[int, int]]:
    matrix = matrix or DEFAULT_MATRIX
    return [(li, im) for li in LEVELS for im in LEVELS if matrix[li - 1][im - 1] == band_key]


def band_q(band_key: str, matrix=None, *, likelihood: str = "likelihood", impact: str = "impact") -> Q:
    """A filter matching the rows whose (likelihood, impact) cell is in the band."""
    q = Q(pk__in=[])
    for li, im in cells_in_band(band_key, matrix):
        q |= Q(**{likelihood: li, impact: im})
    return q


def band_rank_expression(matrix=None, *, likelihood: str = "likelihood", impact: str = "impact") -> Case:
    """A SQL expression giving each row's band rank (1 low .. 4 critical) for sorting."""
    matrix = matrix or DEFAULT_MATRIX
    whens = [When(**{likelihood: li, impact: im}, then=Value(BAND_RANK[matrix[li - 1][im - 1]]))
             for li in LEVELS for im in LEVELS]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def suggest_residual(likelihood: int, impact: int, mitigations: Iterable[tuple[str, str]]) -> tuple[int, int]:
    """Residual (likelihood, impact) from the states of the risk's mitigations.

    ``mitigations`` yields ``(status, kind)`` pairs; see the module docstring for the rule.
    """
    likelihood_steps = impact_steps = 0
    for status, kind in mitigations:
        credit = RESIDUAL_CREDIT.get(status, 0)
        if not credit:
            continue
        if (kind or "") in IMPACT_KINDS:
            impact_steps += credit
        else:
            likelihood_steps += credit
    likelihood_steps = min(likelihood_steps, RESIDUAL_MAX_STEPS)
    impact_steps = min(impact_steps, RESIDUAL_MAX_STEPS)
    return max(1, int(likelihood) - likelihood_steps), max(1, int(impact) - impact_steps)


def heat_map(pairs: Iterable[tuple[int, int]], matrix=None) -> list[dict]:
    """Rows from likelihood 5 down to 1, each with impact cells 1..5: {likelihood, cells: [{impact, band, count}]}."""
    matrix = matrix or DEFAULT_MATRIX
    counts: dict[tuple[int, int], int] = {}
    for li, im in pairs:
        if li and im:
            counts[(li, im)] = counts.get((li, im), 0) + 1
    return [{"likelihood": li, "label": LIKELIHOOD_LABELS[li],
             "cells": [{"impact": im, "band": matrix[li - 1][im - 1], "count": counts.get((li, im), 0)}
                       for im in LEVELS]}
            for li in reversed(LEVELS)]
