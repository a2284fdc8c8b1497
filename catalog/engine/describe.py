"""A rule in plain words, for the threat pages: a tree of {"text", "children"} nodes.

Works on the raw `when` tree as stored (validated at load), with the questionnaire for labels.
"""

from collections.abc import Mapping
from typing import Any

from .rules import COMPONENT_SCOPES

SUBJECT_WORDS = {
    "inflow": "a data flow into it",
    "outflow": "a data flow out of it",
}


def _value_words(question, value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if question is None:
        return f"“{value}”"
    return f"“{question.choice_label(value)}”"


def _subject(tree: Mapping, applies_to: tuple[str, ...], questions: Mapping) -> tuple[str, Any, str]:
    """(who, question or None, key) for a condition."""
    if "answer" in tree:
        key = tree["answer"]
        scopes = ("system",) if applies_to == ("system",) else applies_to
        question = next((questions[(s, key)] for s in scopes if (s, key) in questions), None)
        who = "the system" if scopes == ("system",) else (
            f"the {scopes[0]}" if len(scopes) == 1 else "the component")
        return who, question, key
    if "system" in tree:
        key = tree["system"]
        return "the system", questions.get(("system", key)), key
    for subject in ("inflow", "outflow"):
        if subject in tree:
            key = tree[subject]
            return SUBJECT_WORDS[subject], questions.get(("flow", key)), key
    for subject, words in (("upstream", "feeding into it"), ("downstream", "it feeds into"),
                           ("reached_from", "on any path of flows into it"),
                           ("reaches", "on any path of flows out of it")):
        if subject in tree:
            kind, _, key = str(tree[subject]).partition(".")
            if kind not in COMPONENT_SCOPES:
                break
            who = f"any {kind} {words}" if applies_to != ("system",) else f"any {kind} of the system"
            return who, questions.get((kind, key)), key
    return "it", None, str(tree)


def describe_condition(tree: Mapping, applies_to: tuple[str, ...], questions: Mapping) -> str:
    who, question, key = _subject(tree, applies_to, questions)
    asked = f"“{question.label}”" if question is not None else key
    if "exists" in tree:
        return f"{who}: {asked} is {'answered' if tree['exists'] else 'not answered'}"
    if "is" in tree:
        return f"{who}: {asked} is {_value_words(question, tree['is'])}"
    if "contains" in tree:
        return f"{who}: {asked} includes {_value_words(question, tree['contains'])}"
    values = tree.get("in") or []
    listed = ", ".join(_value_words(question, v) for v in values)
    if question is not None and question.type == "multi":
        return f"{who}: {asked} includes any of {listed}"
    return f"{who}: {asked} is one of {listed}"


def describe_rule(tree: Any, applies_to, questions: Mapping) -> dict:
    """{"text": str, "children": [...]} — `all` / `any` / `not` become headings over their parts."""
    applies_to = tuple(applies_to or ())
    if isinstance(tree, Mapping):
        if "all" in tree:
            return {"text": "All of these hold:",
                    "children": [describe_rule(c, applies_to, questions) for c in tree["all"]]}
        if "any" in tree:
            return {"text": "At least one of these holds:",
                    "children": [describe_rule(c, applies_to, questions) for c in tree["any"]]}
        if "not" in tree:
            return {"text": "This does not hold:", "children": [describe_rule(tree["not"], applies_to, questions)]}
        return {"text": describe_condition(tree, applies_to, questions), "children": []}
    return {"text": str(tree), "children": []}
