"""FreeREA's NAS-Bench-101 skip score exactly as its reference code computes it (NiccoloCavagnero/FreeREA,
`nas_spaces/nasbench101.py`, `NASBench101._skip`), kept apart from zeronas's `skip`, which generalises
FreeREA's NATS-Bench definition.

The reference walks the genotype's vertices after the input, the output included, in vertex order. A vertex
v with one source u adds a jump of v-1-u (the vertices strictly between them are the ones skipped; the
running value is reset to it). A vertex with several sources adds, for each source u in ascending order,
v-1-u to a running value that is *not* reset between sources or vertices, and records that running value.
Every recorded value that is not 0 counts: the score is their mean (0 if none). The differences from
`skip`: edges into the output count, and the carried running value makes multi-input vertices weigh more.

One deviation, by construction: the reference scores a mutated child in its own vertex order, zeronas in
the benchmark's stored order (the order every randomly drawn cell has in both), so that isomorphic cells,
which zeronas scores once, get one value.
"""

from __future__ import annotations

from zeronas.errors import ZeronasError
from zeronas.proxies.base import ProxyInput


def freerea_skip101(matrix) -> float:
    """The reference's value for a pruned cell's upper-triangular 0/1 adjacency matrix (vertex 0: input)."""
    total, count, running = 0, 0, 0
    n = len(matrix)
    for v in range(1, n):
        sources = [u for u in range(v) if matrix[u][v]]
        if len(sources) > 1:
            for u in sources:
                running += v - 1 - u
                if running:
                    total, count = total + running, count + 1
        elif sources:
            running = v - 1 - sources[0]
            if running:
                total, count = total + running, count + 1
    return total / count if count else 0.0


def skip_freerea101(inp: ProxyInput) -> float:
    if inp.space.name != "nasbench101":
        raise ZeronasError(f"skip_freerea101 is FreeREA's NAS-Bench-101 skip score, not defined for {inp.space.name}")
    return float(freerea_skip101(inp.arch.matrix))
