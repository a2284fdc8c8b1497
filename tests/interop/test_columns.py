"""A risk's and a mitigation's columns in the system export come from one declaration
(assessments/fields.py) and are read back by their model field: what the export writes is exactly what
the reader checks and the restore writes, and a bad value names its path."""

import pytest

from assessments.fields import MITIGATION_EXPORTED, RISK_EXPORTED
from assessments.interop.errors import ImportProblem
from assessments.interop.export import export_system
from assessments.interop.formats.columns import read_columns
from assessments.interop.reader import Node
from assessments.models import Mitigation, Risk
from threatmodel.models import Role

from ..factories import member, rich_system

pytestmark = pytest.mark.django_db


def test_the_export_writes_the_declared_columns_and_the_reader_reads_them_back_unchanged(catalog, team):
    owner = member(team, Role.OWNER, username="olga")
    system, _facts = rich_system(team, owner=owner, contributor=member(team, Role.CONTRIBUTOR, username="carl"))
    doc = export_system(system)
    for rows, model, names in ((doc["risks"], Risk, RISK_EXPORTED), (doc["mitigations"], Mitigation,
                                                                      MITIGATION_EXPORTED)):
        assert rows
        for i, row in enumerate(rows):
            assert set(names) <= set(row)
            read = read_columns(Node(row, ((None, "risks"), i)), model, names)
            assert read == {name: row[name] for name in names}


def _problem(row: dict, model=Risk, names=RISK_EXPORTED) -> str:
    with pytest.raises(ImportProblem) as caught:
        read_columns(Node(row, ((None, "risks"), 3)), model, names)
    return str(caught.value)


GOOD = {"title": "Prompt injection", "description": "", "status": "open", "status_reason": "", "stale": False,
        "stale_reason": "", "why": [], "fingerprint": "", "likelihood": 4, "impact": 2, "treatment": "mitigate"}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("likelihood", 6, "must be a whole number from 1 to 5"),
    ("impact", True, "must be a whole number from 1 to 5"),
    ("status", "maybe", "'maybe' is not one of"),
    ("treatment", "ignore", "'ignore' is not one of"),
    ("stale", "yes", "must be true or false"),
    ("why", "because", "must be an array"),
    ("title", "x" * 301, "at most 300 characters"),
    ("title", None, "is required"),
])
def test_a_bad_column_names_its_path_and_what_is_allowed(field, value, message):
    text = _problem({**GOOD, field: value})
    assert text.startswith(f"$.risks[3].{field}: ")
    assert message in text


def test_a_missing_column_takes_the_model_default():
    row = {k: v for k, v in GOOD.items() if k not in ("status", "treatment", "stale")}
    read = read_columns(Node(row, ("risks", 0)), Risk, RISK_EXPORTED)
    assert (read["status"], read["treatment"], read["stale"]) == ("suggested", "", False)
    mitigation = read_columns(Node({"title": "Filter input"}, ("mitigations", 0)), Mitigation, MITIGATION_EXPORTED)
    assert (mitigation["kind"], mitigation["status"], mitigation["evidence_links"]) == ("preventive", "proposed", [])
