"""Choice lists of the privacy assessment. Values are a public contract (API, stored answers): add, never rename."""

DATA_SUBJECTS = (
    ("customers", "Customers"),
    ("public", "Members of the public"),
    ("employees", "Employees"),
    ("job_applicants", "Job applicants"),
    ("partners", "Business partners or suppliers"),
    ("children", "Children"),
    ("students", "Students"),
    ("patients", "Patients"),
    ("other", "Other people (describe in the processing description)"),
)

# (value, label, special): special = GDPR Art. 9 special category or Art. 10 criminal-offence data.
DATA_CATEGORIES = (
    ("identity_contact", "Identity and contact details", False),
    ("account_usage", "Account, usage and device data", False),
    ("communications", "Content of messages, prompts and documents", False),
    ("voice", "Voice recordings", False),
    ("images", "Images or video of people", False),
    ("location", "Location data", False),
    ("financial", "Financial data", False),
    ("employment", "Employment and HR data", False),
    ("education", "Education data", False),
    ("behavioural", "Behaviour, preferences and inferred profiles", False),
    ("health", "Health data", True),
    ("biometric", "Biometric data used to identify a person", True),
    ("genetic", "Genetic data", True),
    ("racial_ethnic", "Racial or ethnic origin", True),
    ("political", "Political opinions", True),
    ("religious", "Religious or philosophical beliefs", True),
    ("trade_union", "Trade union membership", True),
    ("sex_life", "Sex life or sexual orientation", True),
    ("criminal", "Criminal convictions and offences", True),
    ("special_unspecified", "Special-category data (which kind still to be named)", True),
)
CATEGORY_CHOICES = tuple((v, label) for v, label, _ in DATA_CATEGORIES)
SPECIAL_CATEGORIES = frozenset(v for v, _, special in DATA_CATEGORIES if special)

SOURCES = (
    ("data_subject", "Collected from the people themselves"),
    ("employees", "Entered by employees"),
    ("third_party", "Received from partners or other organisations"),
    ("public_sources", "Public sources (the web, public registers)"),
    ("internal_systems", "Internal systems or databases"),
    ("third_party_dataset", "Third-party or open datasets"),
    ("devices", "Sensors or devices"),
    ("generated", "Generated or inferred by a model"),
)

REGIMES = (
    ("gdpr", "GDPR (EU / UK)"),
    ("ccpa", "CCPA / CPRA (California)"),
    ("coppa", "COPPA (children's privacy, US)"),
    ("pdpa", "PDPA (Singapore, Thailand and similar)"),
    ("hipaa", "HIPAA (US health data)"),
)

LEGAL_BASES = (
    ("consent", "Consent"),
    ("contract", "Performance of a contract"),
    ("legal_obligation", "Legal obligation"),
    ("vital_interests", "Vital interests"),
    ("public_task", "Public task"),
    ("legitimate_interests", "Legitimate interests"),
    ("other", "Other basis under a non-GDPR regime (describe it)"),
)

TRANSFER_ROLES = (
    ("processor", "Processor (acts on our instructions)"),
    ("sub_processor", "Sub-processor"),
    ("controller", "Independent controller"),
    ("joint_controller", "Joint controller"),
)

SAFEGUARDS = (
    ("dpa", "Data processing agreement"),
    ("scc", "Standard contractual clauses"),
    ("adequacy", "Adequacy decision for the destination"),
    ("bcr", "Binding corporate rules"),
    ("explicit_consent", "Explicit consent to the transfer"),
    ("no_training", "Contract forbids training on our data"),
    ("zero_retention", "Zero or short retention by the recipient"),
    ("encryption", "Encryption in transit and at rest"),
    ("pseudonymisation", "Pseudonymised before transfer"),
    ("other", "Other (describe in the note)"),
)

ERASURE_TARGETS = (
    ("training_data", "Training data"),
    ("fine_tuned_models", "Fine-tuned models"),
    ("retrieval_indexes", "Retrieval indexes and vector stores"),
    ("logs", "Logs, traces and analytics"),
)

ERASURE_MECHANISMS = (
    ("delete_and_retrain", "Delete the records and retrain or re-fine-tune from the cleaned data"),
    ("unlearning", "Machine unlearning on the affected model"),
    ("retire_model", "Retire or replace the affected model version"),
    ("delete_from_index", "Delete the documents and their embeddings from the index"),
    ("retention_expiry", "Deleted automatically when the retention period ends"),
    ("purge", "Find and purge the person's entries"),
    ("output_suppression", "Suppressed in outputs only (data kept)"),
    ("not_possible", "Not possible (explain why in the detail)"),
)

SECONDARY_USE_BASES = (
    ("consent", "Consent (opt-in)"),
    ("opt_out", "Offered with an opt-out"),
    ("legitimate_interests", "Legitimate interests (balancing test done)"),
    ("compatible_purpose", "Compatible purpose (compatibility test done)"),
    ("contract", "Covered by the contract"),
    ("none", "No basis identified yet"),
)

DEIDENTIFICATION_TECHNIQUES = (
    ("pseudonymisation", "Pseudonymisation"),
    ("anonymisation", "Anonymisation"),
    ("aggregation", "Aggregation"),
    ("masking", "Masking or redaction of identifiers"),
    ("tokenisation", "Tokenisation"),
    ("differential_privacy", "Differential privacy"),
    ("synthetic_data", "Synthetic data in place of real records"),
)

REIDENTIFICATION_RISK = (
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
)

# The nine criteria of the EDPB-endorsed WP29 guidelines on DPIA (WP248 rev.01).
EDPB_CRITERIA = (
    ("evaluation_scoring", "Evaluation or scoring",
     "Profiling or predicting aspects of people: performance, economic situation, health, preferences, behaviour."),
    ("automated_decision", "Automated decision-making with legal or similarly significant effect",
     "Decisions taken without meaningful human involvement that affect people's rights, access or treatment."),
    ("systematic_monitoring", "Systematic monitoring",
     "Observing, monitoring or controlling people, including through networks or in publicly accessible areas."),
    ("sensitive_data", "Sensitive data or data of a highly personal nature",
     "Special categories, criminal-offence data, or highly personal data such as location, finances or "
     "private communications."),
    ("large_scale", "Data processed on a large scale",
     "Many people, much data, a long duration or a wide geographical reach."),
    ("matching_combining", "Matching or combining datasets",
     "Datasets from different operations or controllers combined beyond what people would expect."),
    ("vulnerable_subjects", "Data concerning vulnerable data subjects",
     "Children, employees, patients, the elderly or anyone in a weaker position towards the controller."),
    ("innovative_technology", "Innovative use or new technological solutions",
     "New technology, such as AI and machine learning, whose consequences for people are not yet well known."),
    ("prevents_rights", "Processing that prevents people from exercising a right or using a service",
     "The processing itself decides whether people may use a service or enter a contract."),
)
CRITERION_KEYS = tuple(key for key, _, _ in EDPB_CRITERIA)
DPIA_THRESHOLD = 2


def label_of(choices, value) -> str:
    for entry in choices:
        if entry[0] == value:
            return entry[1]
    return str(value)


def values_of(choices) -> frozenset:
    return frozenset(entry[0] for entry in choices)
