"""The privacy impact assessment (PIA) of an AI system.

- ``vocab``: the choice lists (data subjects, categories, legal bases, safeguards, the nine EDPB criteria).
- ``schema``: validation of the structured answers (a ValidationError names the field, e.g. ``transfers[0].role``).
- ``prefill``: what can be inferred from the system's model, with the reason for each inference.
- ``resolve``: stored answers + inference + provenance -> the effective answers (inferred / confirmed / edited).
- ``dpia``: screening against the EDPB criteria (a DPIA is likely required when two or more apply).
- ``services`` / ``selectors``: writes (audited) and team-scoped reads; ``views``/``forms``/``api`` stay thin.
"""
