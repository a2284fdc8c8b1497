"""What a page of risks or mitigations shows besides its own columns, read for the whole page at once.

The page itself is one query of plain values (`risk_rows` / `mitigation_rows`: the row's columns plus the
owner's username, the template's or control's ref and the team, joined in). Its relations are read with
three small statements of plain SQL on the join tables (bound parameters only, table and column names
taken from the models), which costs a fraction of the ORM's per-query overhead: a page of 200 risks costs
the same few queries as one risk, and little more time than reading the rows
(tests/bench/bench_api.py measures it against a bare `.values()` endpoint).
"""

import datetime
from collections import defaultdict

from django.db import connection
from django.db.models import F

from catalog.models import Framework, FrameworkItem, ThreatTemplate
from threatmodel.models import Team

from .. import scoring
from ..fields import MITIGATION_API_ROW, RISK_API_ROW
from ..models import ExternalRef, Mitigation, Risk

RISK_COLUMNS = RISK_API_ROW
MITIGATION_COLUMNS = MITIGATION_API_ROW
REF_COLUMNS = ("tracker", "external_id", "key", "url", "remote_status", "remote_updated_at")


def risk_rows(qs):
    """The page's risks as dicts: their columns and what their representation joins in."""
    return qs.values(*RISK_COLUMNS, api_owner=F("owner__username"), api_template=F("template__ref"),
                     api_team=F("system__team_id"))


def mitigation_rows(qs):
    return qs.values(*MITIGATION_COLUMNS, api_owner=F("owner__username"), api_control=F("control__ref"))


# --- plain SQL on the join tables ------------------------------------------------------------------

def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _col(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _select(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _in(column: str, values) -> tuple[str, list]:
    """`column IN (...)`: one array parameter on PostgreSQL (less to parse and bind), placeholders elsewhere."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values)) or 'NULL'})", values


def _aware(value):
    """A raw SQLite cursor gives naive UTC datetimes (or text) where the ORM gives aware ones."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def _pairs(through, owner_field: str, other_field: str, ids) -> dict[int, list[int]]:
    """{owner id: [other ids]} from a many-to-many join table."""
    owner, other, table = _col(through, owner_field), _col(through, other_field), _table(through)
    where, params = _in(owner, ids)
    sql = f"SELECT {owner}, {other} FROM {table} WHERE {where} ORDER BY 2"  # noqa: S608  # nosec B608
    out = defaultdict(list)
    for owner_id, other_id in _select(sql, params):
        out[owner_id].append(other_id)
    return out


def _refs(owner_field: str, ids) -> dict[int, list[dict]]:
    """{risk or mitigation id: [ticket references]} in (tracker, key, id) order."""
    owner, table = _col(ExternalRef, owner_field), _table(ExternalRef)
    columns = ", ".join(_col(ExternalRef, c) for c in REF_COLUMNS)
    order = f"{_col(ExternalRef, 'tracker')}, {_col(ExternalRef, 'key')}, {_col(ExternalRef, 'id')}"
    where, params = _in(owner, ids)
    sql = f"SELECT {owner}, {columns} FROM {table} WHERE {where} ORDER BY {order}"  # noqa: S608  # nosec B608
    out = defaultdict(list)
    for owner_id, *values in _select(sql, params):
        ref = dict(zip(REF_COLUMNS, values, strict=True))
        ref["remote_updated_at"] = _aware(ref["remote_updated_at"])
        out[owner_id].append(ref)
    return out


def _mapping_sql(kind: str, through, owner_field: str, ids) -> tuple[str, list]:
    item, framework, table = _table(FrameworkItem), _table(Framework), _table(through)
    where, params = _in(f"{table}.{_col(through, owner_field)}", ids)
    return (f"SELECT '{kind}', {table}.{_col(through, owner_field)}, {framework}.{_col(Framework, 'key')}, "  # noqa: S608  # nosec B608
            f"{item}.{_col(FrameworkItem, 'ref')}, {framework}.{_col(Framework, 'position')}, "
            f"{item}.{_col(FrameworkItem, 'position')} FROM {table} "
            f"JOIN {item} ON {item}.{_col(FrameworkItem, 'id')} = {table}.{_col(through, 'frameworkitem')} "
            f"JOIN {framework} ON {framework}.{_col(Framework, 'id')} = {item}.{_col(FrameworkItem, 'framework')} "
            f"WHERE {where}"), params


def _mappings(template_ids, risk_ids) -> dict[str, dict[int, list[dict]]]:
    """The catalog's mappings of the page's templates ("t") and the hand-made ones of its custom risks ("r"),
    in one query, each list in framework order, then item order, as the register shows them."""
    by_template, template_params = _mapping_sql("t", ThreatTemplate.mappings.through, "threattemplate", template_ids)
    by_hand, hand_params = _mapping_sql("r", Risk.custom_mappings.through, "risk", risk_ids)
    out = {"t": defaultdict(list), "r": defaultdict(list)}
    rows = _select(f"{by_template} UNION ALL {by_hand}", [*template_params, *hand_params])
    for kind, owner_id, key, ref, _fpos, _pos in sorted(rows, key=lambda r: (r[0], r[1], r[4], r[5], r[3])):
        out[kind][owner_id].append({"framework": key, "ref": ref})
    return out


# --- pages ------------------------------------------------------------------------------------

def attach_to_risks(risks: list[dict], team: Team | None = None) -> list[dict]:
    """Adds mappings, mitigation ids, tickets and the team's risk matrix to each row: three queries (four when
    the risks' teams must be read for their matrices; `team` is one already at hand, e.g. a token's)."""
    if not risks:
        return risks
    ids = [r["id"] for r in risks]
    template_ids = sorted({r["template_id"] for r in risks if r["template_id"]})
    mappings = _mappings(template_ids, ids)
    mitigations = _pairs(Mitigation.risks.through, "risk", "mitigation", ids)
    refs = _refs("risk", ids)
    team_ids = {r["api_team"] for r in risks}
    if team is not None and team_ids == {team.pk}:
        matrices = {team.pk: scoring.matrix_for(team)}
    else:
        matrices = {t.pk: scoring.matrix_for(t) for t in Team.objects.filter(pk__in=team_ids).only(
            "pk", "risk_matrix")}
    for r in risks:
        r["api_mappings"] = mappings["t"][r["template_id"]] if r["template_id"] else mappings["r"][r["id"]]
        r["api_mitigations"] = mitigations[r["id"]]
        r["api_refs"] = refs[r["id"]]
        r["api_matrix"] = matrices.get(r["api_team"])
    return risks


def attach_to_mitigations(mitigations: list[dict]) -> list[dict]:
    if not mitigations:
        return mitigations
    ids = [m["id"] for m in mitigations]
    risks = _pairs(Mitigation.risks.through, "mitigation", "risk", ids)
    refs = _refs("mitigation", ids)
    for m in mitigations:
        m["api_risks"] = risks[m["id"]]
        m["api_refs"] = refs[m["id"]]
    return mitigations
