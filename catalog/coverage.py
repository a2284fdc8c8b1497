"""Framework coverage: which items the catalog's threats and controls map to.

An item counts as covered when a threat or control maps to it, or (for a function, category,
technique or capability) when one of its descendants is covered. Works on the loaded release
(`coverage_from_db`) or on the files (`coverage_from_loaded`, used by the lint tests).
"""

from collections import defaultdict
from dataclasses import dataclass, field

# What `catalog_coverage` insists on: (framework, item kind or None for every item).
REQUIRED = (("OWASP-LLM-2025", None), ("NIST-AI-RMF", "function"), ("CAF-AI-SEC", "capability"),
            ("OWASP-ML-2023", None), ("OWASP-AGENTIC-2026", None), ("COSAI-RISK-MAP", "risk"))

# Required items the catalog leaves out on purpose, with the reason `catalog_coverage` prints.
OUT_OF_SCOPE = {
    ("COSAI-RISK-MAP", "riskFederatedDistributedTrainingPrivacy"): (
        "Federated or distributed training across organisations is not something the questionnaire asks "
        "about, so no rule could tell when it applies; record it as a custom risk for such a system."),
}


@dataclass(frozen=True)
class ItemInfo:
    ref: str
    title: str
    kind: str
    parent: str | None


@dataclass
class FrameworkCoverage:
    key: str
    name: str
    covered: int = 0
    total: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [covered, total], in item order
    uncovered: list[ItemInfo] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


def compute_coverage(frameworks: list[tuple[str, str]], items: dict[str, list[ItemInfo]],
                     mapped: set[tuple[str, str]]) -> list[FrameworkCoverage]:
    """`frameworks` [(key, name)] in display order; `items` key -> items; `mapped` {(key, ref)}."""
    out = []
    for key, name in frameworks:
        fw_items = items.get(key, [])
        covered = {i.ref for i in fw_items if (key, i.ref) in mapped}
        parents = {i.ref: i.parent for i in fw_items}
        for ref in list(covered):
            parent, seen = parents.get(ref), set()
            while parent and parent not in seen:
                seen.add(parent)
                covered.add(parent)
                parent = parents.get(parent)
        result = FrameworkCoverage(key, name)
        for item in fw_items:
            counts = result.by_kind.setdefault(item.kind, [0, 0])
            counts[1] += 1
            result.total += 1
            if item.ref in covered:
                counts[0] += 1
                result.covered += 1
            else:
                result.uncovered.append(item)
        out.append(result)
    return out


def coverage_failures(coverage: list[FrameworkCoverage]) -> list[str]:
    """The REQUIRED items that nothing covers, as "KEY ref (title)"."""
    by_key = {c.key: c for c in coverage}
    failures = []
    for key, kind in REQUIRED:
        fw = by_key.get(key)
        if fw is None or not fw.total:
            failures.append(f"{key}: framework not loaded")
            continue
        failures += [f"{key} {i.ref} ({i.title})" for i in fw.uncovered
                     if (kind is None or i.kind == kind) and (key, i.ref) not in OUT_OF_SCOPE]
    return failures


def out_of_scope(coverage: list[FrameworkCoverage]) -> list[tuple[str, str, str]]:
    """[(framework, ref, reason)] for uncovered items the catalog leaves out on purpose."""
    return [(fw.key, i.ref, OUT_OF_SCOPE[(fw.key, i.ref)]) for fw in coverage for i in fw.uncovered
            if (fw.key, i.ref) in OUT_OF_SCOPE]


def coverage_from_loaded(loaded) -> list[FrameworkCoverage]:
    """Coverage of a catalog.loader.LoadedCatalog (the files, before any load)."""
    frameworks = sorted(loaded.frameworks.values(), key=lambda f: f["position"])
    items = {key: [ItemInfo(i["ref"], i["title"], i["kind"], i["parent"]) for i in refs.values()]
             for key, refs in loaded.items.items()}
    mapped = {(fw, ref) for entries in (loaded.threats, loaded.controls) for e in entries.values()
              for fw, ref in e["mappings"]}
    return compute_coverage([(f["key"], f["name"]) for f in frameworks], items, mapped)


def coverage_from_db() -> list[FrameworkCoverage]:
    """Coverage of the loaded catalog (retired items and templates left out)."""
    from .models import Framework, FrameworkItem

    frameworks = list(Framework.objects.order_by("position", "key").values_list("key", "name"))
    items: dict[str, list[ItemInfo]] = defaultdict(list)
    for key, ref, title, kind, parent in (FrameworkItem.objects.filter(retired=False)
                                          .order_by("framework__position", "position")
                                          .values_list("framework__key", "ref", "title", "kind", "parent__ref")):
        items[key].append(ItemInfo(ref, title, kind, parent))
    mapped = set(FrameworkItem.objects.filter(retired=False, threats__retired=False)
                 .values_list("framework__key", "ref"))
    mapped |= set(FrameworkItem.objects.filter(retired=False, controls__retired=False)
                  .values_list("framework__key", "ref"))
    return compute_coverage(frameworks, items, mapped)
