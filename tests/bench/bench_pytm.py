"""Benchmark: our rule engine against OWASP pytm's rule resolution, side by side, on this machine.

pytm (a dev dependency, only used here) resolves threats by trying each of its threat-library
conditions against each element of a model (`TM.resolve()`); we time that for a synthetic model of
`ELEMENTS` elements (processes, data stores, servers, actors and data flows between them) and
divide by elements x threats. Our engine is timed the same way (evaluate() over a synthetic system
of the same number of components, divided by components x threats, Match objects with reasons,
scores and fingerprints included). Both are the best of several runs in process CPU time. The
target is a ratio of at least 3 (ours at least three times faster per pair).
"""

import random
import time

from catalog.engine import catalog_from_files, evaluate
from tests.bench.bench_catalog import synthetic_system
from tests.bench.common import result

ELEMENTS = 300
REPEATS_PYTM = 3
REPEATS_OURS = 20
TARGET_RATIO = 3.0


def _pytm_model(n: int, seed: int = 7):
    from pytm import TM, Actor, Boundary, Dataflow, Datastore, Process, Server

    TM.reset()
    tm = TM("bench")
    tm.description = "synthetic model for the rule resolution benchmark"
    tm.isOrdered = False
    rng = random.Random(seed)
    inside, outside = Boundary("inside"), Boundary("outside")
    nodes = []
    kinds = (Process, Datastore, Server, Actor)
    for i in range(n * 2 // 3):
        node = rng.choice(kinds)(f"node {i}")
        node.inBoundary = rng.choice((inside, outside))
        for attr in ("isHardened", "sanitizesInput", "encodesOutput", "implementsAuthenticationScheme",
                     "hasAccessControl", "isEncrypted", "validatesInput", "usesParameterizedInput"):
            if hasattr(node, attr):
                setattr(node, attr, rng.random() < 0.5)
        nodes.append(node)
    for i in range(n - len(nodes)):
        source, sink = rng.sample(nodes, 2)
        flow = Dataflow(source, sink, f"flow {i}")
        flow.isEncrypted = rng.random() < 0.5
        flow.protocol = rng.choice(("HTTP", "HTTPS", "SQL"))
    tm._init_threats()
    return tm


def measure_pytm(n: int = ELEMENTS) -> dict:
    from pytm import TM

    best = float("inf")
    for _ in range(REPEATS_PYTM):
        tm = _pytm_model(n)
        elements = len(TM._elements)
        threats = len(TM._threats)
        cpu = time.process_time()
        tm.resolve()
        best = min(best, time.process_time() - cpu)
    TM.reset()
    pairs = elements * threats
    return {"cpu_seconds": best, "pairs": pairs, "elements": elements, "threats": threats,
            "per_pair_us": best / pairs * 1e6}


def measure_ours(n: int = ELEMENTS) -> dict:
    catalog = catalog_from_files()
    system, components, flows = synthetic_system(catalog, n=n)
    best = float("inf")
    for _ in range(REPEATS_OURS):
        cpu = time.process_time()
        evaluate(catalog, system, components, flows)
        best = min(best, time.process_time() - cpu)
    pairs = len(components) * len(catalog.threats)
    return {"cpu_seconds": best, "pairs": pairs, "threats": len(catalog.threats), "per_pair_us": best / pairs * 1e6}


def run() -> list[dict]:
    theirs, ours = measure_pytm(), measure_ours()
    ratio = theirs["per_pair_us"] / ours["per_pair_us"]
    return [
        result(name=(f"OWASP pytm resolve(): {theirs['elements']} elements x {theirs['threats']} threats "
                     f"(best of {REPEATS_PYTM}: {theirs['cpu_seconds'] * 1000:.1f} ms CPU)"),
               value=round(theirs["per_pair_us"], 3), unit="µs/pair", target=round(theirs["per_pair_us"], 3)),
        result(name=(f"our engine evaluate(): {ELEMENTS} components x {ours['threats']} threats "
                     f"(best of {REPEATS_OURS}: {ours['cpu_seconds'] * 1000:.1f} ms CPU)"),
               value=round(ours["per_pair_us"], 3), unit="µs/pair",
               target=round(theirs["per_pair_us"] / TARGET_RATIO, 3),
               anchor="OWASP pytm resolve(), measured in the same run", anchor_value=round(theirs["per_pair_us"], 3)),
        result(name="speed-up per (component x threat) pair, pytm / ours (side by side, same process)",
               value=round(ratio, 1), unit="x", target=TARGET_RATIO, lower_is_better=False),
    ]
