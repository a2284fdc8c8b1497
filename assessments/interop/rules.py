"""The documented rules that turn other tools' values into ours (docs/interop.md repeats them).

Pure functions: kind proposals, severity and 0-100 scores to likelihood x impact, statuses, tags to
framework items, text clean-up. Nothing here touches the database except ``framework_refs``'s caller.
"""

import re

# --- severity -> likelihood x impact -------------------------------------------------------------
# A severity names a band; it is placed on the diagonal cell of that band of the default matrix
# (score = likelihood x impact: 4 low, 9 medium, 16 high, 25 critical).
SEVERITY_LEVELS = {"low": (2, 2), "medium": (3, 3), "high": (4, 4), "critical": (5, 5)}
SEVERITY_ALIASES = {"info": "low", "informational": "low", "minor": "low", "moderate": "medium",
                    "med": "medium", "major": "high", "very high": "critical", "severe": "critical"}
DEFAULT_LEVELS = (3, 3)


def severity_levels(value: str) -> tuple[int, int, str]:
    """(likelihood, impact, rule text) for a severity or priority label; unknown -> 3 x 3."""
    key = (value or "").strip().lower()
    key = SEVERITY_ALIASES.get(key, key)
    if key in SEVERITY_LEVELS:
        likelihood, impact = SEVERITY_LEVELS[key]
        return likelihood, impact, f"{value.strip()} -> likelihood {likelihood} x impact {impact}"
    shown = f"'{value.strip()[:40]}'" if key else "none"
    return (*DEFAULT_LEVELS, f"severity {shown} -> the middle cell, 3 x 3")


def percent_level(value) -> int:
    """A 0-100 score (OTM) as a level 1-5: 0, 25, 50, 75, 100 are 1..5; in between, the nearest."""
    if value is None:
        return 3
    value = max(0.0, min(100.0, float(value)))
    return 1 + int(value / 25 + 0.5) if value < 100 else 5


def level_percent(level: int) -> int:
    """The inverse of ``percent_level`` (our level as an OTM 0-100 score)."""
    return (int(level) - 1) * 25


# --- framework items from tags -----------------------------------------------------------------------
TAG_PATTERNS = (
    (re.compile(r"\bLLM\s?(0[1-9]|10)\b", re.IGNORECASE), "OWASP-LLM-2025", "LLM{}:2025"),
    (re.compile(r"(?<![A-Za-z])ML\s?(0[1-9]|10)\b", re.IGNORECASE), "OWASP-ML-2023", "ML{}:2023"),
    (re.compile(r"\bAML\.(T\d{4}(?:\.\d{3})?|M\d{4})\b", re.IGNORECASE), "MITRE-ATLAS", "AML.{}"),
)

QUALIFIED = re.compile(r"^(OWASP-LLM-2025|OWASP-ML-2023|MITRE-ATLAS|NIST-AI-RMF|NIST-AI-600-1|CAF-AI-SEC):\S.*$")


def framework_refs(tag: str) -> list[str]:
    """Framework items a free-text tag names, as "FRAMEWORK:REF" (e.g. "LLM01 Prompt Injection" ->
    "OWASP-LLM-2025:LLM01:2025"). Which of them exist is checked against the loaded catalog later."""
    tag = (tag or "").strip()
    if QUALIFIED.match(tag):  # already "FRAMEWORK:REF" (our own exports write them so)
        return [tag]
    out = []
    for pattern, framework, template in TAG_PATTERNS:
        for match in pattern.finditer(tag or ""):
            ref = template.format(match.group(1).upper())
            label = f"{framework}:{ref}"
            if label not in out:
                out.append(label)
    return out


# --- kinds ------------------------------------------------------------------------------------------
MODEL_WORDS = ("model", "models", "llm", "llms", "gpt", "chatgpt", "claude", "gemini", "llama", "mistral",
               "bedrock", "openai", "sagemaker", "vertex", "inference", "classifier", "predictor", "neural",
               "embedding", "embeddings", "transformer", "ml", "ai", "agent", "agents", "chatbot", "copilot",
               "foundation", "genai", "nlp", "recommender", "huggingface")
# Words specific enough to count in a description too (a description mentioning "AI" is not a model).
STRONG_MODEL_WORDS = ("llm", "llms", "gpt", "chatgpt", "classifier", "inference", "neural", "transformer",
                      "embedding", "embeddings", "sagemaker", "bedrock", "huggingface")
OUTPUT_WORDS = ("output", "outputs", "response", "responses", "answer", "answers", "result", "results", "report",
                "reports", "log", "logs", "dashboard", "notification", "notifications", "alert", "alerts",
                "prediction", "predictions", "decision", "decisions", "display", "audit", "monitoring", "sink")
INPUT_WORDS = ("input", "inputs", "prompt", "prompts", "user", "users", "customer", "customers", "client", "browser",
               "upload", "uploads", "dataset", "datasets", "data", "training", "corpus", "document", "documents",
               "knowledge", "vector", "database", "db", "store", "feed", "sensor", "sensors", "request", "requests",
               "query", "queries", "config", "configuration", "source", "sources", "email", "web", "api")
WORD_RE = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return WORD_RE.findall((text or "").lower())


def _first(words: list[str], vocabulary: tuple[str, ...]) -> str | None:
    wanted = set(vocabulary)
    return next((w for w in words if w in wanted), None)


NO_MODEL_NOTE = ("no element names an AI model (llm, model, classifier, agent...): no process was taken for "
                 "one. Choose model for each component that runs a model (the preview asks); a system with no "
                 "model gets none of the catalog's model threats")


def propose_kinds(elements: list[dict], edges: list[tuple[str, str]]) -> dict[str, tuple[str, str, bool]]:
    """{id: (kind, reason, ask)} for elements ``{"id", "type", "name", "text", "flags"}``; ``ask``: a guess the
    preview asks the person to check.

    ``type`` is the source tool's element type (actor, process, store, or a free text type);
    ``text`` is more words to read (description, tags); ``flags`` a set of hints ("log").
    1. a model word in the name, type or text (llm, model, classifier, agent...) -> model;
    2. a store flagged as a log, or an output word in the name -> output; an input word -> input;
    3. otherwise the data flows decide: what feeds a model is an input, what a model feeds is an output;
    4. otherwise: an element that only sends is an input, one that only receives an output; a process
       is a model (asked) when some element names a model, and when none does (a diagram that describes no
       AI system) it is not: it takes the default of its position, an output if it only receives and an
       input otherwise (asked); anything else an input.
    """
    out: dict[str, tuple[str, str, bool]] = {}
    for el in elements:
        name_words = _words(el.get("name", ""))
        all_words = name_words + _words(el.get("type", "")) + _words(el.get("text", ""))
        word = (_first(name_words + _words(el.get("type", "")), MODEL_WORDS)
                or _first(all_words, STRONG_MODEL_WORDS))
        if word:
            out[el["id"]] = ("model", f"'{word}' in its name or description suggests a model", False)
            continue
        if "log" in el.get("flags", ()):
            out[el["id"]] = ("output", "a log store keeps what the system produces", False)
            continue
        word = _first(name_words, OUTPUT_WORDS)
        if word:
            out[el["id"]] = ("output", f"'{word}' in its name suggests an output", False)
            continue
        word = _first(name_words, INPUT_WORDS)
        if word and el.get("type") != "process":
            out[el["id"]] = ("input", f"'{word}' in its name suggests an input", False)
    models = {i for i, (kind, _reason, _ask) in out.items() if kind == "model"}
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for source, target in edges:
        forward.setdefault(source, set()).add(target)
        backward.setdefault(target, set()).add(source)

    def reaches(start: str, graph: dict[str, set[str]]) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt in models:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    for el in elements:
        if el["id"] in out:
            continue
        feeds, fed = reaches(el["id"], forward), reaches(el["id"], backward)
        if feeds and not fed:
            out[el["id"]] = ("input", "its data flows lead into a model", False)
        elif fed and not feeds:
            out[el["id"]] = ("output", "it receives data flowing out of a model", False)
        elif el.get("type") == "process" and models:
            out[el["id"]] = ("model", "a process with no clearer hint (processes are where models usually run)", True)
        elif el.get("type") == "process":
            only_receives = bool(backward.get(el["id"])) and not forward.get(el["id"])
            out[el["id"]] = ("output" if only_receives else "input", "no element of the diagram names an AI model, "
                             "so this process is not taken for one: " + ("it only receives data" if only_receives
                                                                         else "it handles data on its way in")
                             + "; choose model if it runs one", True)
        elif backward.get(el["id"]) and not forward.get(el["id"]):
            out[el["id"]] = ("output", "it only receives data", False)
        else:
            out[el["id"]] = ("input", "it sends data into the system" if forward.get(el["id"]) else
                             "no clearer hint: inputs are the safest default to review", False)
    return out


def model_answers(name: str, text: str = "") -> dict:
    """Answers a model component's name makes near certain (only model_type for LLMs)."""
    words = set(_words(name) + _words(text))
    if words & {"llm", "llms", "gpt", "chatgpt", "claude", "gemini", "llama", "mistral", "chatbot", "genai",
                "copilot", "bedrock"}:
        return {"model_type": "llm"}
    if words & {"embedding", "embeddings"}:
        return {"model_type": "embedding"}
    if words & {"classifier"}:
        return {"model_type": "classifier"}
    return {}


def input_answers(name: str, text: str = "") -> dict:
    words = set(_words(name) + _words(text))
    if words & {"vector", "embeddings"}:
        return {"stored_in_vector_store": True}
    return {}


ENCRYPTED_PROTOCOLS = re.compile(r"\b(https|tls|ssl|mtls|sftp|ssh|wss|grpcs|http/s)\b", re.IGNORECASE)


def protocol_encrypted(text: str) -> bool:
    return bool(ENCRYPTED_PROTOCOLS.search(text or ""))


# --- text ------------------------------------------------------------------------------------------------
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Text without NUL and other control characters (kept: tab, newline)."""
    return CONTROL_CHARS.sub("", text or "").strip()


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """(text cut to ``limit`` characters with an ellipsis, whether it was cut)."""
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True
