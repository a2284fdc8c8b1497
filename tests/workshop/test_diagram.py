"""The diagram layout and the heat map geometry (pure functions, no database)."""

from types import SimpleNamespace as NS

from assessments.workshop import diagram, heatmap


def comp(pk, kind, name):
    return NS(id=pk, kind=kind, name=name)


def flow(pk, source, target, label="", **answers):
    return NS(id=pk, source_id=source, target_id=target, label=label, answers=answers)


COMPONENTS = [comp(1, "input", "Customer chat"), comp(2, "input", "Help-centre articles with a very long name"),
              comp(3, "model", "Support LLM"), comp(4, "output", "Chat answer")]
FLOWS = [flow(10, 1, 3, "prompt", crosses_trust_boundary=True), flow(11, 2, 3, "retrieved passages"),
         flow(12, 3, 4, "completion"), flow(13, 4, 1, "feedback"), flow(14, 1, 2, "same lane")]


def test_lanes_hold_their_components_in_order():
    d = diagram.layout(COMPONENTS, FLOWS)
    assert [lane.kind for lane in d.lanes] == ["input", "model", "output"]
    assert [lane.count for lane in d.lanes] == [2, 1, 1]
    boxes = {b.id: b for b in d.boxes}
    assert boxes[1].x == boxes[2].x < boxes[3].x < boxes[4].x
    assert boxes[1].y < boxes[2].y
    assert boxes[2].short.endswith("…") and len(boxes[2].short) <= diagram.NAME_CHARS
    assert boxes[2].lines == diagram.wrap(boxes[2].name, diagram.NAME_CHARS) and len(boxes[2].lines) == 2
    for b in d.boxes:  # every card fits in the drawing
        assert b.x >= 0 and b.x + b.w <= d.width and b.y >= 0 and b.y + b.h <= d.height


def test_every_flow_becomes_an_arrow_and_boundaries_are_marked():
    d = diagram.layout(COMPONENTS, FLOWS)
    arrows = {a.id: a for a in d.arrows}
    assert set(arrows) == {10, 11, 12, 13, 14}
    assert arrows[10].crosses_boundary and not arrows[11].crosses_boundary
    assert arrows[10].path.startswith("M") and " C" in arrows[10].path
    assert arrows[11].label == diagram.shorten("retrieved passages", diagram.LABEL_CHARS)
    # two flows into the LLM arrive at different points of its edge
    end_10 = arrows[10].path.split()[-1]
    end_11 = arrows[11].path.split()[-1]
    assert end_10 != end_11


def test_flows_to_unknown_components_are_skipped_and_empty_models_draw():
    d = diagram.layout(COMPONENTS[:1], [flow(1, 1, 99)])
    assert d.arrows == []
    empty = diagram.layout([], [])
    assert empty.empty and empty.width > 0 and empty.height > 0


def test_vertical_layout_fits_a_phone():
    d = diagram.layout(COMPONENTS, FLOWS, orientation="vertical")
    assert d.width == diagram.V_WIDTH
    lanes = d.lanes
    assert lanes[0].y < lanes[1].y < lanes[2].y
    for b in d.boxes:
        assert b.x + b.w <= d.width


def test_card_label_is_readable_text():
    stats = {1: diagram.CardStats(answered=4, questions=7, risks=2, top_band="critical")}
    box = next(b for b in diagram.layout(COMPONENTS, [], stats).boxes if b.id == 1)
    assert box.label == ("Input Customer chat: 4 of 7 questions answered, 2 open threats, highest band critical. "
                         "Edit.")


def test_heat_map_counts_cells_and_names_bands_without_colour():
    hm = heatmap.build("inherent", [(5, 4), (5, 4), (1, 1)])
    assert hm.total == 3
    cells = {(c.likelihood, c.impact): c for c in hm.cells}
    assert len(cells) == 25
    assert cells[(5, 4)].count == 2 and cells[(5, 4)].band == "critical" and cells[(5, 4)].letter == "C"
    assert cells[(1, 1)].band == "low" and cells[(1, 1)].pattern == ""
    assert cells[(5, 4)].pattern == "hm-cross"
    assert "Likelihood 5 (Almost certain), impact 4 (Major): 2 risks, band Critical" in hm.summary
    assert [r.value for r in hm.rows] == [5, 4, 3, 2, 1]
    assert [c.value for c in hm.cols] == [1, 2, 3, 4, 5]
    assert {entry["letter"] for entry in heatmap.legend()} == {"L", "M", "H", "C"}


def test_heat_map_follows_the_team_matrix():
    matrix = [["high"] * 5 for _ in range(5)]
    hm = heatmap.build("residual", [(1, 1)], matrix)
    assert all(c.band == "high" for c in hm.cells)
    assert hm.title == "Residual risk"
