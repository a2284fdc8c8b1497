"""Charts are SVG with every piece of user text escaped and no style attributes (CSP)."""

from assessments import scoring
from assessments.reports import svg

PAYLOAD = '<img src="http://127.0.0.1:9/x"><script>alert(1)</script>'


def test_lanes_diagram_escapes_names_and_draws_flows():
    lanes = {"input": [{"id": 1, "name": PAYLOAD, "note": "personal data"}],
             "model": [{"id": 2, "name": "LLM & friends", "note": ""}], "output": []}
    flows = [{"source": 1, "target": 2, "personal_data": True, "crosses_boundary": True}]
    out = str(svg.lanes_diagram(lanes, flows))
    assert out.startswith("<svg") and "<script" not in out and "<img" not in out
    assert "&lt;img" in out and "LLM &amp; friends" in out
    assert 'stroke-dasharray="5 3"' in out and "#7c3aed" in out
    assert " style=" not in out and "<style" not in out and "href" not in out


def test_lanes_diagram_caps_long_lanes():
    lanes = {"input": [{"id": i, "name": f"in {i}", "note": ""} for i in range(40)], "model": [], "output": []}
    out = str(svg.lanes_diagram(lanes, []))
    assert "+ 24 more" in out


def test_heat_map_counts_and_bands():
    rows = scoring.heat_map([(5, 5), (5, 5), (1, 1)])
    out = str(svg.heat_map(rows, "Inherent risk"))
    assert "3 risks" in out  # aria label
    assert out.count(svg.BAND_COLOURS["critical"]) >= 1 and ">2<" in out
