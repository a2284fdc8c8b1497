"""CSV and XLSX exports: exactly the rows of the view, formula cells escaped."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from assessments import services
from assessments.exports import HEADERS, escape_cell, safe_sheet_name, write_xlsx
from assessments.models import Risk

from ..factories import custom_risk

pytestmark = pytest.mark.django_db

PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", PAYLOADS)
def test_formula_like_text_is_escaped(value):
    assert escape_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Prompt injection", "", "a=b", "1-2", 42, None])
def test_other_values_are_left_alone(value):
    assert escape_cell(value) == value


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def read_xlsx(response) -> list[list]:
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    # XLSX stores a carriage return as _x000D_; openpyxl's read-only mode leaves it encoded.
    return [[c.replace("_x000D_", "\r") if isinstance(c, str) else c for c in row]
            for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def hostile(system, contributor):
    for i, payload in enumerate(PAYLOADS):
        risk = custom_risk(system, contributor, title=payload, description=f"row {i}", likelihood=5, impact=5)
        Risk.objects.filter(pk=risk.pk).update(title=payload)  # keep leading tab / CR exactly (services strip them)
    return system


def test_csv_export_is_what_the_view_shows_and_escaped(login, hostile, contributor):
    client = login(contributor)
    query = {"status": "open", "sort": "title"}
    page = client.get(reverse("system_register", args=[hostile.pk]), query)
    response = client.get(reverse("system_register_export", args=[hostile.pk, "csv"]), query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == HEADERS
    assert [int(r[0]) for r in rows[1:]] == [r.pk for r in page.context["risks"]]
    titles = [r[HEADERS.index("Title")] for r in rows[1:]]
    assert sorted(titles) == sorted("'" + p for p in PAYLOADS)
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_xlsx_export_is_what_the_view_shows_and_escaped(login, hostile, contributor):
    client = login(contributor)
    query = {"band": "critical", "sort": "score"}
    page = client.get(reverse("system_register", args=[hostile.pk]), query)
    response = client.get(reverse("system_register_export", args=[hostile.pk, "xlsx"]), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = read_xlsx(response)
    assert list(rows[0]) == HEADERS
    assert [r[0] for r in rows[1:]] == [r.pk for r in page.context["risks"]]
    for row in rows[1:]:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(("=", "+", "-", "@", "\t", "\r")))
    hostile_titles = {r[HEADERS.index("Title")] for r in rows[1:] if str(r[HEADERS.index("Title")]).startswith("'")}
    assert hostile_titles == {"'" + p for p in PAYLOADS}
    first = rows[1]
    assert isinstance(first[HEADERS.index("Score")], int) and first[HEADERS.index("Band")] == "critical"


def test_team_export_and_unknown_format(login, system, contributor, team):
    client = login(contributor)
    rows = read_csv(client.get(reverse("team_register_export", args=[team.slug, "csv"])))
    assert len(rows) - 1 == Risk.objects.filter(system__team=team).count()
    assert client.get(reverse("team_register_export", args=[team.slug, "pdf"])).status_code == 404


def test_export_columns_carry_mitigations_mappings_and_tickets(system, contributor, tmp_path):
    risk = Risk.objects.filter(system=system, template__ref="AI-IN-001").get()
    m = services.mitigation_create(actor=contributor, system=system, title="=cmd|' /C calc'!A0", risks=[risk])
    services.external_ref_set(actor=contributor, target=risk, tracker="jira", external_id="1", key="SEC-1")
    path = tmp_path / "out.xlsx"
    with path.open("wb") as fh:
        n = write_xlsx(Risk.objects.filter(pk=risk.pk), fh)
    assert n == 1
    row = list(openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True))[0]
    assert row[HEADERS.index("Mitigations")] == f"'{m.title} (Proposed)"  # escaped: the cell starts with =
    assert "OWASP-LLM-2025 LLM01:2025" in row[HEADERS.index("Frameworks")]
    assert row[HEADERS.index("Tickets")] == "jira:SEC-1"
    assert "untrusted_content = true" in row[HEADERS.index("Why")]


def test_a_large_export_streams(login, system, contributor):
    for i in range(120):
        custom_risk(system, contributor, title=f"Bulk {i}")
    response = login(contributor).get(reverse("system_register_export", args=[system.pk, "xlsx"]))
    rows = read_xlsx(response)
    assert len(rows) - 1 == Risk.objects.filter(system=system).count()


@pytest.mark.parametrize("name", ["Ops/Prod [EU]: *what*?", "'quoted'", "a" * 40, "History", "x/" * 20, "///"])
def test_xlsx_export_of_any_system_name(login, system, contributor, name):
    """Excel refuses / \\ [ ] : * ? and a leading or trailing apostrophe in sheet names, and more than 31 chars."""
    type(system).objects.filter(pk=system.pk).update(name=name)
    response = login(contributor).get(reverse("system_register_export", args=[system.pk, "xlsx"]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    title = book.sheetnames[0]
    assert 0 < len(title) <= 31 and not set(title) & set("/\\[]:*?") and title[0] != "'" and title[-1] != "'"
    assert title.lower() != "history"


def test_sheet_names_are_unique():
    used = set()
    names = [safe_sheet_name("Register: " + "x" * 40, used) for _ in range(3)]
    assert len({n.lower() for n in names}) == 3 and all(len(n) <= 31 for n in names)
