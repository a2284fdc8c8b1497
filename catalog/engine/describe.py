"""Rules and the facts that made them hold, in plain words: one renderer for the catalog's threat pages
(`describe_rule`, a tree of {"text", "children"} nodes) and the "why it applies" of a suggestion
(`why_in_words`). Both name the question in its own words and the answer by its choice label:
"the input: “Can outsiders put content into this input?” is yes" on the threat page,
"Customer chat: “Can outsiders put content into this input?” is yes" on the suggestion.

Works on the raw `when` tree as stored (validated at load), with the questionnaire for labels.
"""

import re
from collections.abc import Mapping
from functools import lru_cache
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


def _phrase(who: str, question, key: str, verb: str, words: str) -> str:
    """The one shape of every sentence: who, the question in its own words, what the answer is."""
    asked = f"“{question.label}”" if question is not None else key
    return f"{who}: {asked} {verb} {words}"


def describe_condition(tree: Mapping, applies_to: tuple[str, ...], questions: Mapping) -> str:
    who, question, key = _subject(tree, applies_to, questions)
    if "exists" in tree:
        return _phrase(who, question, key, "is", "answered" if tree["exists"] else "not answered")
    if "is" in tree:
        return _phrase(who, question, key, "is", _value_words(question, tree["is"]))
    if "contains" in tree:
        return _phrase(who, question, key, "includes", _value_words(question, tree["contains"]))
    values = tree.get("in") or []
    listed = ", ".join(_value_words(question, v) for v in values)
    if question is not None and question.type == "multi":
        return _phrase(who, question, key, "includes any of", listed)
    return _phrase(who, question, key, "is one of", listed)


# The engine's fact sentences (catalog.engine.explain): "<who> has <key> = <value>", "<who> has <key>
# including <values>", "<who> has no answer for <key>"; who is "system", "input 'Name'" or
# "flow 'A' -> 'B'".
_FACT = re.compile(r"^(?P<who>.+?) has (?:no answer for (?P<unanswered>\w+)|(?P<key>\w+) "
                   r"(?:= (?P<value>.*)|including (?P<including>.*)))$")
_COMPONENT = re.compile(r"^(?P<kind>input|model|output) '(?P<name>.*)'$")
_FLOW = re.compile(r"^flow '(?P<source>.*)' -> '(?P<target>.*)'$")


def _fact_subject(who: str) -> tuple[str, str] | None:
    if who == "system":
        return "system", "The system"
    if m := _COMPONENT.match(who):
        return m["kind"], m["name"]
    if m := _FLOW.match(who):
        return "flow", f"The flow {m['source']} → {m['target']}"
    return None


def _answer_words(question, raw: str) -> str:
    if raw in ("true", "false"):
        return _value_words(question, raw == "true")
    if raw == "(none)":
        return "nothing"
    if question.type == "multi":
        return ", ".join(_value_words(question, v) for v in raw.split(", "))
    return _value_words(question, raw)


def why_in_words(sentence: str, questions: Mapping) -> str:
    """An engine fact in the question's own words ("Customer chat: “Can outsiders put content into this
    input?” is yes"); a sentence it cannot read is returned unchanged."""
    m = _FACT.match(sentence)
    subject = _fact_subject(m["who"]) if m else None
    if subject is None:
        return sentence
    scope, who = subject
    key = m["unanswered"] or m["key"]
    question = questions.get((scope, key))
    if question is None:
        return sentence
    if m["unanswered"]:
        return _phrase(who, question, key, "is", "not answered")
    if m["including"] is not None:
        return _phrase(who, question, key, "includes", _answer_words(question, m["including"]))
    return _phrase(who, question, key, "is", _answer_words(question, m["value"]))


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


@lru_cache(maxsize=8192)
def why_words(sentence: str) -> str:
    """A "why it applies" fact in the question's own words, with the catalog's questions (cached per sentence):
    what the workshop cards and the register pages show."""
    from ..questions import all_questions

    return why_in_words(sentence, all_questions())
