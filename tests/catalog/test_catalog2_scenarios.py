"""The regression scenarios of the second catalog release: agents, tool protocols, generative media,
model chains and answers that change the result. Assertions go by framework item, category or
ref where the scenario names a specific threat."""


from catalog.engine import ComponentFacts, FlowFacts, evaluate, group_matches


def run(compiled, system, components, flows=()):
    matches = evaluate(compiled, system, components, list(flows))
    return matches, [compiled.threats[m.threat_ref] for m in matches]


def on(matches, component_id):
    return [m for m in matches if m.component_id == component_id]


def mapped(compiled, matches, framework, ref):
    return [m for m in matches if (framework, ref) in compiled.threats[m.threat_ref].mappings]


# --- an LLM coding agent with a shell tool ------------------------------------------------------------

AGENT = {"model_type": "llm", "generative": True, "provider": "third_party_api", "hosting": "managed_api",
         "tool_access": True, "executes_code": True, "tool_protocols": ["function_calling"],
         "output_modalities": ["code", "text"], "tool_identity": "service_account"}
DEV_SYSTEM = {"internet_facing": False, "users": ["employees"], "data_classification": "internal"}


def agent(**answers):
    return [ComponentFacts(1, "input", "Developer request", {"source": "employees", "purpose": ["prompt"]}),
            ComponentFacts(2, "model", "Coding agent", {**AGENT, **answers})], [FlowFacts(1, 1, 2, {})]


def runaway(compiled, matches):
    return mapped(compiled, matches, "COSAI-RISK-MAP", "riskRunawayAgentToolLoops")


def test_coding_agent_without_rate_limit_gets_runaway_and_denial_of_wallet(compiled):
    components, flows = agent()
    matches, _ = run(compiled, DEV_SYSTEM, components, flows)
    loops = runaway(compiled, matches)
    assert loops and loops[0].component_id == 2
    assert mapped(compiled, matches, "COSAI-RISK-MAP", "riskEconomicDenialOfWallet")
    assert loops[0].likelihood >= 4, loops[0].score_why
    assert not loops[0].in_place


def test_coding_agent_with_rate_limit_and_approval_gets_them_lowered_with_the_reason(compiled):
    components, flows = agent(rate_limited=True, action_approval=True)
    matches, _ = run(compiled, DEV_SYSTEM, components, flows)
    loop = runaway(compiled, matches)[0]
    default = compiled.threats[loop.threat_ref].default_likelihood
    assert loop.likelihood <= default - 3
    assert any("rate limited" in why for why in loop.score_why)
    assert any("approves" in why for why in loop.score_why)
    assert ("CTL-007", "The model is answered as rate limited and capped.") in loop.in_place
    assert any(ref == "CTL-006" for ref, _ in loop.in_place)
    # the same answer lowers the model's token-flood threat too, where it applies
    exposed = {"internet_facing": True, "users": ["public"]}
    before = {m.threat_ref: m.likelihood for m in run(compiled, exposed, *agent())[0]}
    public, _ = run(compiled, exposed, *agent(rate_limited=True))
    floods = [m for m in mapped(compiled, public, "OWASP-LLM-2025", "LLM10:2025") if m.threat_ref != loop.threat_ref]
    assert floods and all(m.likelihood < before[m.threat_ref] for m in floods)


def test_answers_nobody_read_before_now_change_the_result(compiled):
    """rate_limited and action_approval each move at least one score; guardrails lowers jailbreak."""
    base, _ = run(compiled, DEV_SYSTEM, *agent())
    scores = {(m.threat_ref, m.component_id): (m.likelihood, m.impact) for m in base}
    for answer in ("rate_limited", "action_approval"):
        changed, _ = run(compiled, DEV_SYSTEM, *agent(**{answer: True}))
        assert any(scores.get((m.threat_ref, m.component_id)) != (m.likelihood, m.impact) for m in changed), answer
    public = {"internet_facing": True, "users": ["public"]}
    plain, _ = run(compiled, public, *agent())
    guarded, _ = run(compiled, public, *agent(guardrails=True))
    jailbreak = {m.threat_ref: m for m in mapped(compiled, plain, "MITRE-ATLAS", "AML.T0054") if m.component_id == 2}
    lowered = {m.threat_ref: m for m in mapped(compiled, guarded, "MITRE-ATLAS", "AML.T0054") if m.component_id == 2}
    assert jailbreak and set(jailbreak) == set(lowered)
    for ref, match in lowered.items():
        assert match.likelihood < jailbreak[ref].likelihood
        assert any("guardrails" in why for why in match.score_why)


def test_authenticated_flows_suppress_callable_without_authentication(compiled):
    model = {"model_type": "classifier", "generative": False, "exposed_via_api": True}
    components = [ComponentFacts(1, "input", "Caller", {"source": "partners"}),
                  ComponentFacts(2, "model", "Scorer", model)]
    open_, _ = run(compiled, {}, components, [FlowFacts(1, 1, 2, {"authenticated": False})])
    closed, _ = run(compiled, {}, components, [FlowFacts(1, 1, 2, {"authenticated": True})])
    unauthenticated = {m.threat_ref for m in open_ if compiled.threats[m.threat_ref].category == "access-control"}
    assert unauthenticated
    assert not unauthenticated & {m.threat_ref for m in closed}


# --- a tabular credit classifier in an essential service ------------------------------------------------

CREDIT_SYSTEM = {"internet_facing": True, "users": ["customers"], "sector": "finance", "regimes": ["gdpr", "eu_ai_act"],
                 "data_classification": "restricted", "use_case": ["essential_services"], "data_locations": ["eu"]}
CREDIT = [
    ComponentFacts(1, "input", "Application form", {"source": "end_users", "purpose": ["features"],
                                                    "personal_data": "basic", "untrusted_content": True}),
    ComponentFacts(2, "input", "Repayment history", {"source": "internal_systems", "purpose": ["training"],
                                                     "personal_data": "basic"}),
    ComponentFacts(3, "model", "Credit scorer", {"model_type": "classifier", "generative": False,
                                                 "provider": "in_house", "hosting": "self_hosted_cloud",
                                                 "input_modalities": ["tabular"], "output_modalities": ["structured"],
                                                 "artifact_format": "safe_tensors", "trained_on_personal_data": True}),
    ComponentFacts(4, "output", "Credit decision", {"consumer": ["automated_decision"], "affects_individuals": True,
                                                    "human_review": False}),
]
CREDIT_FLOWS = [FlowFacts(1, 1, 3, {}), FlowFacts(2, 2, 3, {}), FlowFacts(3, 3, 4, {})]


def test_tabular_credit_classifier_gets_no_llm_or_agent_threat(compiled):
    _, threats = run(compiled, CREDIT_SYSTEM, CREDIT, CREDIT_FLOWS)
    generative_only = {"OWASP-LLM-2025", "OWASP-AGENTIC-2026"}
    assert not [t.ref for t in threats if any(fw in generative_only for fw, _ in t.mappings)]
    assert not {t.category for t in threats} & {"prompt-injection", "jailbreak", "excessive-agency", "memory-poisoning"}


def test_essential_services_use_case_raises_the_high_risk_obligations(compiled):
    matches, threats = run(compiled, CREDIT_SYSTEM, CREDIT, CREDIT_FLOWS)
    system_refs = {m.threat_ref for m in matches if m.component_id is None}
    obligations = [t for t in threats if t.ref in system_refs and "CTL-104" in t.controls]
    assert obligations, "the EU AI Act high-risk obligations are suggested"
    without, _ = run(compiled, {**CREDIT_SYSTEM, "use_case": ["none"]}, CREDIT, CREDIT_FLOWS)
    assert not {t.ref for t in obligations} & {m.threat_ref for m in without}
    # and the threats that go with a high-risk use are raised, with the reason shown
    before = {(m.threat_ref, m.component_id): m.impact for m in without}
    raised = [m for m in matches if compiled.threats[m.threat_ref].category == "bias"
              and m.impact > before.get((m.threat_ref, m.component_id), 9)]
    assert raised and all(any("high-risk" in why for why in m.score_why) for m in raised)


# --- model artefacts ------------------------------------------------------------------------------------

def test_in_house_model_stored_with_pickle_gets_the_deserialisation_threat(compiled):
    model = {"model_type": "classifier", "generative": False, "provider": "in_house", "artifact_format": "pickle_based"}
    matches, _ = run(compiled, {}, [ComponentFacts(1, "model", "Churn model", model)])
    assert mapped(compiled, matches, "COSAI-RISK-MAP", "riskMaliciousLoaderDeserialization")
    converted = {**model, "artifact_format": "safe_tensors"}
    safe, _ = run(compiled, {}, [ComponentFacts(1, "model", "Churn model", converted)])
    assert not mapped(compiled, safe, "COSAI-RISK-MAP", "riskMaliciousLoaderDeserialization")


# --- retrieval ---------------------------------------------------------------------------------------------

def test_public_help_pages_do_not_get_embeddings_reveal_confidential_text(compiled):
    system = {"internet_facing": True, "data_classification": "confidential"}
    pages = ComponentFacts(1, "input", "Public help pages", {
        "source": "public_web", "purpose": ["retrieval_corpus"], "stored_in_vector_store": True,
        "personal_data": "none"})
    llm = ComponentFacts(2, "model", "Support LLM", {"model_type": "llm", "generative": True})
    matches, _ = run(compiled, system, [pages, llm], [FlowFacts(1, 1, 2, {})])
    revealing = [ref for ref, t in compiled.threats.items() if "Embeddings" in t.title]
    assert revealing
    assert not set(revealing) & {m.threat_ref for m in on(matches, 1)}
    contracts = ComponentFacts(1, "input", "Contract archive", {
        "source": "internal_systems", "purpose": ["retrieval_corpus"], "stored_in_vector_store": True,
        "personal_data": "none"})
    matches, _ = run(compiled, system, [contracts, llm], [FlowFacts(1, 1, 2, {})])
    assert set(revealing) & {m.threat_ref for m in on(matches, 1)}


# --- generative media -------------------------------------------------------------------------------------

def test_public_text_to_image_generator_gets_the_generative_threats(compiled):
    system = {"internet_facing": True, "users": ["public"]}
    prompt = ComponentFacts(1, "input", "Prompt box", {"source": "end_users", "purpose": ["prompt"],
                                                       "untrusted_content": True})
    generator = ComponentFacts(2, "model", "Image generator", {
        "model_type": "other", "generative": True, "output_modalities": ["image"], "input_modalities": ["text"],
        "provider": "open_weights", "hosting": "self_hosted_cloud"})
    gallery = ComponentFacts(3, "output", "Public gallery", {"consumer": ["end_user", "web_page"],
                                                             "publicly_exposed": True})
    flows = [FlowFacts(1, 1, 2, {}), FlowFacts(2, 2, 3, {})]
    matches, threats = run(compiled, system, [prompt, generator, gallery], flows)
    categories = {t.category for t in threats}
    assert {"jailbreak", "harmful-content", "intellectual-property", "misuse"} <= categories
    assert mapped(compiled, matches, "MITRE-ATLAS", "AML.T0088"), "likeness and voice cloning"
    assert mapped(compiled, matches, "NIST-AI-600-1", "2.10"), "intellectual property"
    assert mapped(compiled, matches, "OWASP-LLM-2025", "LLM01:2025"), "the prompt box is an injection path"


def test_face_recognition_door_lock_gets_spoofing_and_biometric_data_not_impersonation(compiled):
    system = {"internet_facing": False, "users": ["employees"], "use_case": ["biometric_identification"]}
    camera = ComponentFacts(1, "input", "Door camera", {"source": "sensors", "purpose": ["features"],
                                                        "personal_data": "sensitive"})
    recogniser = ComponentFacts(2, "model", "Face matcher", {
        "model_type": "vision", "generative": False, "input_modalities": ["image", "video"],
        "output_modalities": ["structured"], "provider": "third_party_api"})
    lock = ComponentFacts(3, "output", "Door lock", {"consumer": ["automated_decision"], "affects_individuals": True})
    matches, threats = run(compiled, system, [camera, recogniser, lock], [FlowFacts(1, 1, 2, {}),
                                                                          FlowFacts(2, 2, 3, {})])
    assert not mapped(compiled, matches, "MITRE-ATLAS", "AML.T0088"), "no synthetic voices or images"
    assert not [t for t in threats if "impersonate" in t.title.lower()]
    spoofing = mapped(compiled, matches, "MITRE-ATLAS", "AML.T0041")
    assert any(m.component_id == 2 for m in spoofing), "presentation attacks on the recogniser"
    biometric = [m for m in on(matches, 1) if "CTL-102" in compiled.threats[m.threat_ref].controls]
    assert biometric, "biometric samples and templates"


# --- injection through model chains and media --------------------------------------------------------------

def test_spoken_question_through_speech_model_to_llm_is_an_injection_path(compiled):
    system = {"internet_facing": True, "users": ["children"]}
    voice = ComponentFacts(1, "input", "Child's spoken question", {"source": "end_users", "purpose": ["prompt"],
                                                                   "untrusted_content": True})
    stt = ComponentFacts(2, "model", "Speech to text", {"model_type": "speech", "generative": False,
                                                         "input_modalities": ["audio"], "output_modalities": ["text"]})
    normaliser = ComponentFacts(3, "model", "Text normaliser", {"model_type": "other", "generative": False})
    llm = ComponentFacts(4, "model", "Tutor LLM", {"model_type": "llm", "generative": True})
    for chain in ([voice, stt, llm], [voice, stt, normaliser, llm]):
        ids = [c.id for c in chain]
        flows = [FlowFacts(n, a, b, {}) for n, (a, b) in enumerate(zip(ids, ids[1:], strict=False), start=1)]
        matches, _ = run(compiled, system, chain, flows)
        direct = [m for m in mapped(compiled, matches, "MITRE-ATLAS", "AML.T0051.000") if m.component_id == 1]
        assert direct, f"{len(chain) - 2} model hops"
    alone, _ = run(compiled, system, [voice, stt], [FlowFacts(1, 1, 2, {})])
    assert not [m for m in mapped(compiled, alone, "MITRE-ATLAS", "AML.T0051.000") if m.component_id == 1]


def test_multimodal_prompt_injection(compiled):
    system = {"internet_facing": True}
    upload = ComponentFacts(1, "input", "Uploaded files", {"source": "end_users", "untrusted_content": True})
    llm = ComponentFacts(2, "model", "Document assistant", {"model_type": "llm", "generative": True,
                                                             "input_modalities": ["text", "documents", "image"]})
    matches, _ = run(compiled, system, [upload, llm], [FlowFacts(1, 1, 2, {})])
    assert [m for m in mapped(compiled, matches, "MITRE-ATLAS", "AML.T0068") if m.component_id == 2
            and "CTL-095" in compiled.threats[m.threat_ref].controls]


def test_mcp_agent_gets_the_tool_server_threats(compiled):
    model = {"model_type": "llm", "generative": True, "tool_access": True, "tool_protocols": ["mcp"],
             "tool_identity": "user_delegated", "multi_agent": True, "persistent_memory": True}
    matches, _ = run(compiled, {"users": ["customers"]}, [ComponentFacts(1, "model", "Assistant", model)])
    for ref in ("riskToolSourceProvenance", "riskToolRegistryTampering", "riskZombieShadowMCPServers",
                "riskMCPTransportHijacking", "riskCrossTenantCredentialPropagation"):
        assert mapped(compiled, matches, "COSAI-RISK-MAP", ref), ref
    for asi in ("ASI03", "ASI04", "ASI06", "ASI07", "ASI08"):
        assert mapped(compiled, matches, "OWASP-AGENTIC-2026", asi), asi


# --- grouping key --------------------------------------------------------------------------------------------

def test_grouping_key_joins_a_threat_that_applies_the_same_way_to_several_components(compiled):
    answers = {"source": "end_users", "purpose": ["prompt"], "untrusted_content": True}
    components = [ComponentFacts(1, "input", "Web chat", answers), ComponentFacts(2, "input", "Mobile chat", answers),
                  ComponentFacts(3, "input", "Partner feed", answers),
                  ComponentFacts(8, "model", "Other LLM", {"model_type": "llm", "generative": True}),
                  ComponentFacts(9, "model", "LLM", {"model_type": "llm", "generative": True})]
    flows = [FlowFacts(1, 1, 9, {}), FlowFacts(2, 2, 9, {}), FlowFacts(3, 3, 8, {})]
    matches, _ = run(compiled, {"internet_facing": True}, components, flows)
    by = {(m.threat_ref, m.component_id): m for m in matches}
    ref = next(r for r, c in by if c == 1 and (r, 2) in by and (r, 3) in by
               and ("MITRE-ATLAS", "AML.T0051.000") in compiled.threats[r].mappings)
    assert by[(ref, 1)].group_key == by[(ref, 2)].group_key
    assert by[(ref, 1)].fingerprint != by[(ref, 2)].fingerprint
    assert by[(ref, 3)].group_key != by[(ref, 1)].group_key, "feeding another model is another way"
    assert by[(ref, 1)].group_key.startswith(f"{ref}:")
    group = group_matches(matches)[by[(ref, 1)].group_key]
    assert [m.component_id for m in group] == [1, 2]
    again, _ = run(compiled, {"internet_facing": True}, list(reversed(components)), flows)
    assert {m.group_key for m in again} == {m.group_key for m in matches}, "stable across evaluations"
