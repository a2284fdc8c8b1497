"""The "why it applies" facts read in the question's own words, through the catalog page's renderer."""

from catalog.engine.describe import describe_condition, why_in_words
from catalog.questions import all_questions


def test_engine_facts_become_sentences_in_the_questions_words():
    q = all_questions()
    label = q[("input", "untrusted_content")].label
    assert why_in_words("input 'Customer chat' has untrusted_content = true", q) == f"Customer chat: “{label}” is yes"
    assert why_in_words("system has no answer for monitoring_in_place", q).startswith("The system: “")
    assert why_in_words("system has no answer for monitoring_in_place", q).endswith("” is not answered")
    purpose = q[("input", "purpose")]
    said = why_in_words("input 'Help' has purpose including prompt", q)
    assert said == f"Help: “{purpose.label}” includes “{purpose.choice_label('prompt')}”"
    assert "=" not in said and "_" not in said
    assert why_in_words("something the engine never says", q) == "something the engine never says"


def test_the_same_renderer_as_the_catalog_rules():
    q = all_questions()
    rule = describe_condition({"answer": "untrusted_content", "is": True}, ("input",), q)
    fact = why_in_words("input 'Chat' has untrusted_content = true", q)
    assert rule.split(": ", 1)[1] == fact.split(": ", 1)[1]  # the question and the answer in the same words
