"""Workshop journeys in a real browser (system Chromium, headless) against the live server."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, collect_errors, login, quiet

pytestmark = pytest.mark.browser


def csp_errors(errors: list[str]) -> list[str]:
    return [e for e in errors if "Content Security Policy" in e or "Refused to" in e]


def add_component(page, kind: str, name: str, *, selects=(), checks=()):
    page.get_by_role("link", name=f"+ {kind.capitalize()}").click()
    editor = page.locator("#editor")
    expect(editor.locator("#editor-heading")).to_have_text(f"New {kind}")
    editor.get_by_label("Name", exact=True).fill(name)
    for field, value in selects:
        editor.locator(f"select[name=q_{field}]").select_option(value)
    for field, value in checks:
        editor.locator(f"input[name=q_{field}][value={value}]").check()
    editor.get_by_role("button", name=f"Add {kind}").click()
    expect(editor.locator(".msg-success")).to_contain_text(f"Added {kind} '{name}'")


def add_flow(page, source: str, target: str, label: str = ""):
    page.get_by_role("link", name="+ Data flow").click()
    editor = page.locator("#editor")
    expect(editor.locator("#editor-heading")).to_have_text("New data flow")
    editor.locator("select[name=source]").select_option(label=source)
    editor.locator("select[name=target]").select_option(label=target)
    editor.locator("input[name=label]").fill(label)
    editor.get_by_role("button", name="Add flow").click()
    expect(editor.locator(".msg-success")).to_contain_text("Added the flow")


def test_facilitator_builds_a_rag_chatbot_and_scores_prompt_injection(page, live_server, workshop_team, screenshot):
    base = live_server.url
    errors = collect_errors(page)
    login(page, base, "fran")
    page.goto(f"{base}/systems/new/")
    page.get_by_label("Name", exact=True).fill("Support chatbot")
    page.locator("input[name=q_internet_facing][value=yes]").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Open the workshop").click()
    expect(page.get_by_role("heading", name=re.compile("Support chatbot"))).to_be_visible()

    add_component(page, "input", "Customer chat", selects=[("source", "end_users")],
                  checks=[("purpose", "prompt"), ("untrusted_content", "yes")])
    add_component(page, "input", "Help-centre articles", selects=[("source", "internal_systems")],
                  checks=[("purpose", "retrieval_corpus"), ("provenance_verified", "no")])
    add_component(page, "model", "Support LLM", selects=[("provider", "third_party_api"), ("model_type", "llm")],
                  checks=[("tool_access", "yes")])
    add_component(page, "output", "Chat answer", checks=[("publicly_exposed", "yes")])
    add_flow(page, "Input 'Customer chat'", "Model 'Support LLM'", "prompt")
    add_flow(page, "Input 'Help-centre articles'", "Model 'Support LLM'", "retrieved passages")
    add_flow(page, "Model 'Support LLM'", "Output 'Chat answer'", "completion")
    diagram = page.locator(".diagram-h")
    for name in ("Customer chat", "Help-centre articles", "Support LLM", "Chat answer"):
        expect(diagram.locator(".card-name", has_text=name)).to_be_visible()
    expect(diagram.locator("path.flow")).to_have_count(3)

    # prompt injection is suggested, with the facts that triggered it
    card = page.locator("[data-list=suggestions] .risk-card", has_text="Direct prompt injection by users")
    expect(card).to_be_visible()
    expect(card.locator(".why")).to_contain_text("Customer chat: “Can outsiders put content into this input?” is yes")
    expect(card.locator(".tags")).to_contain_text("LLM01:2025")
    screenshot(page, "workshop-suggestions-1280")
    card.get_by_role("button", name="Accept").click()

    # it moves to the register, where it is scored and given an owner
    card = page.locator("[data-list=register] .risk-card", has_text="Direct prompt injection by users")
    expect(card).to_be_visible()
    card.get_by_role("link", name="Score & edit").click()
    card.locator("select[name=likelihood]").select_option("5")
    card.locator("select[name=impact]").select_option("4")
    card.locator("select[name=owner]").select_option(label="eli")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".risk-facts")).to_contain_text("L5 × I4 = 20")
    expect(card.locator(".risk-facts")).to_contain_text("eli")

    # a mitigation from the threat's suggested controls, with an owner
    card.get_by_role("link", name="Mitigate…").click()
    first_choice = card.locator("label.choice", has=page.locator("input[name=source]")).first
    control_label = first_choice.inner_text().split("·", 1)[1].strip()
    first_choice.locator("input").check()
    card.locator("select[name=owner]").select_option(label="eli")
    card.get_by_role("button", name="Save mitigation").click()
    expect(card.locator(".risk-mitigations")).to_contain_text(control_label)
    mitigation = page.locator("#mitigation-list .mit-card", has_text=control_label)
    expect(mitigation).to_contain_text("eli")

    # the heat map shows it, and its cell filters the register
    cell = page.locator('.heatmap-inherent a.hm-link[data-l="5"][data-i="4"]')
    expect(cell.locator(".hm-count")).to_have_text("1")
    expect(cell).to_have_attribute("aria-label", re.compile("Likelihood 5 .*impact 4 .*1 risk, band Critical"))
    cell.click()
    expect(page.locator("#risk-filter-status")).to_contain_text("Showing 1 risk with inherent likelihood 5")
    expect(page.locator("[data-list=register] .risk-card:not([hidden])")).to_have_count(1)
    screenshot(page, "workshop-1280")
    page.locator("#heatmaps").screenshot(path=_artifact("heatmaps-1280"), caret="initial")
    page.set_viewport_size(PHONE)
    page.goto(page.url)
    screenshot(page, "workshop-390")
    screenshot(page, "workshop-390-full", full_page=True)
    page.set_viewport_size(DESKTOP)
    assert not csp_errors(errors), csp_errors(errors)


def _artifact(name: str) -> str:
    from .conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")


@pytest.fixture
def support_system(workshop_team):
    from assessments.resuggest import resuggest_system
    from threatmodel.demo import build_support_assistant

    system = build_support_assistant(actor=workshop_team["facilitator"], team=workshop_team["team"])
    resuggest_system(system.pk)
    return system


def test_two_participants_work_live_and_lose_nothing(new_context, live_server, workshop_team, support_system):
    base = live_server.url
    url = f"{base}/systems/{support_system.pk}/workshop/"
    fran, eli = (new_context().new_page() for _ in range(2))
    errors = collect_errors(fran) + collect_errors(eli)
    login(fran, base, "fran")
    login(eli, base, "eli")
    fran.goto(url)
    eli.goto(url)

    # presence: each sees the other
    expect(fran.locator("#presence")).to_contain_text("Eli Engineer", timeout=8000)
    expect(eli.locator("#presence")).to_contain_text("Fran Facilitator", timeout=8000)

    # a component added by one appears for the other with the first poll after the save (polls come every
    # 2 s, so within 3 s on an idle machine; counted in polls, not seconds, so a loaded machine is no failure)
    expect(eli.locator("#live")).to_have_attribute("hx-trigger", re.compile(r"^every 2s\b"))
    add_component(fran, "output", "Agent handoff", checks=[("human_review", "yes")])
    with eli.expect_request(lambda r: "/workshop/live/" in r.url) as poll:
        pass
    etag = poll.value.response().header_value("etag")
    expect(eli.locator("#live")).to_have_attribute("data-etag", etag)  # that poll's answer is handled
    assert eli.locator(".diagram-h .card-name", has_text="Agent handoff").is_visible()

    # both edit the same risk
    title = "Direct prompt injection by users"
    cards = [p.locator(".risk-card", has_text=title) for p in (fran, eli)]
    for card in cards:
        card.get_by_role("link", name="Edit").click()
        expect(card.locator("select[name=likelihood]")).to_be_visible()
    eli_card = cards[1]
    eli_card.locator("select[name=impact]").select_option("2")
    eli_card.locator("textarea[name=description]").fill("Eli's analysis: the widget strips HTML")
    register_before = register_stamp(eli)
    fran.evaluate("() => { document.getElementById('register').wasHere = true; }")  # a property, not an attribute
    cards[0].locator("select[name=likelihood]").select_option("3")
    cards[0].get_by_role("button", name="Save").click()
    expect(cards[0].locator(".risk-head")).to_contain_text("12")  # 3 x 4
    # Eli's open form survives the live update that Fran's save triggers (his page has swapped it in)
    expect(eli.locator("#live")).not_to_have_attribute("data-etag", re.compile(rf"\.r{register_before}\."))
    expect(eli_card.locator("textarea[name=description]")).to_have_value("Eli's analysis: the widget strips HTML")
    eli_card.get_by_role("button", name="Save").click()
    expect(eli_card.locator(".form-errors")).to_contain_text("Someone else changed this")
    expect(eli_card.locator(".current").first).to_contain_text("3 · Possible")
    expect(eli_card.locator("select[name=impact]")).to_have_value("2")
    expect(eli_card.locator("textarea[name=description]")).to_have_value("Eli's analysis: the widget strips HTML")
    eli_card.get_by_role("button", name="Save").click()
    expect(eli_card.locator(".risk-head")).to_contain_text("Medium 6")  # Fran's likelihood 3 x Eli's impact 2
    # and Fran sees the merged result without reloading
    expect(cards[0].locator(".risk-head")).to_contain_text("Medium 6")
    # the live update morphed Fran's page (idiomorph): the register is the same node, its card updated in place
    assert fran.evaluate("() => document.getElementById('register').wasHere === true")
    assert not csp_errors(errors), csp_errors(errors)
    from assessments.models import Risk

    with quiet(live_server, fran, eli):
        risk = Risk.objects.get(system=support_system, title=title)
    assert (risk.likelihood, risk.impact) == (3, 2)
    assert risk.description == "Eli's analysis: the widget strips HTML"


def register_stamp(page) -> str:
    """The register part of the page's live ETag ("m<model>.r<register>.p<presence>")."""
    etag = page.locator("#live").get_attribute("data-etag")
    return re.search(r"\.r(\w+)\.", etag).group(1)


def test_keyboard_accept_dismiss_and_next(page, live_server, workshop_team, support_system):
    base = live_server.url
    login(page, base, "fran")
    page.goto(f"{base}/systems/{support_system.pk}/workshop/")
    page.keyboard.press("j")
    first = page.locator("[data-list=suggestions] .risk-card").first
    expect(first).to_be_focused()
    first_id = first.get_attribute("id")
    second_id = page.locator("[data-list=suggestions] .risk-card").nth(1).get_attribute("id")
    page.keyboard.press("a")
    expect(page.locator(f"[data-list=register] #{first_id}")).to_be_visible()
    expect(page.locator(f"#{second_id}")).to_be_focused()
    page.keyboard.press("d")
    reason = page.locator(f"#{second_id} textarea[name=reason]")
    expect(reason).to_be_focused()
    reason.fill("Out of scope for this release")
    page.locator(f"#{second_id}").get_by_role("button", name="Dismiss").click()
    expect(page.locator(f"#dismissed-details #{second_id}")).to_be_attached()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("p")
    expect(page.locator("html")).to_have_class(re.compile("presenting"))
    expect(page.locator("#presentation-toggle")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("p")
