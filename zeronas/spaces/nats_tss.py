"""NATS-Bench topology search space (= NAS-Bench-201): 4-node cells, 6 edges, 5 ops, 15,625 cells."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from zeronas.errors import ZeronasError
from zeronas.spaces.base import SpaceCapabilities

if TYPE_CHECKING:  # torch is imported only when a network is built
    from torch import nn

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
# (target node, source node) in the order the genotype string lists them.
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
NUM_NODES = 4
STEM_CHANNELS, CELLS_PER_STAGE = 16, 5  # the benchmark's network: C=16, N=5

Arch = tuple[str, ...]  # one op name per edge, in EDGES order


PARAMETER_FREE = ("avg_pool_3x3",)  # ops without weights: a function of their input, not a module


@cache
def _expression(arch: Arch) -> str:
    """Canonical key: the cell's pruned op-graph, labelled canonically up to renaming of modules.

    Each conv edge is a module with its own weights, so `x + 2·conv(x)` (one conv, two skip paths) is not
    `x + conv₁(x) + conv₂(x)` and a shared conv is not two convs: a key of `op(input)` terms without module
    identity merged such networks (4,930 classes instead of 5,260). `none` edges vanish, as do edges out of
    a node with no input; `skip_connect` inlines its source once per path; edges that never reach the
    output are never visited; a weightless avg_pool of the same input is one computation. Form:
    `<label>=<op>(<inputs>);...;out=<labels>`, minimised over orders of modules whose expressions tie.
    """
    nodes: list[tuple | None] = [("x",)]  # node value: its terms, each "x" or a module (an edge index)
    inputs: dict[int, tuple] = {}
    pooled: dict[tuple, int] = {}
    for target in range(1, NUM_NODES):
        terms: list = []
        for e, ((t, s), op) in enumerate(zip(EDGES, arch)):
            if t != target or op == "none" or nodes[s] is None:
                continue
            if op == "skip_connect":
                terms.extend(nodes[s])
                continue
            if op in PARAMETER_FREE:
                e = pooled.setdefault((op, tuple(sorted(map(str, nodes[s])))), e)
            inputs[e] = nodes[s]
            terms.append(e)
        nodes.append(tuple(terms) if terms else None)
    out = nodes[-1]
    if out is None:
        return "#zero"
    live: dict[int, tuple] = {}
    stack = [t for t in out if t != "x"]
    while stack:
        e = stack.pop()
        if e not in live:
            live[e] = inputs[e]
            stack.extend(t for t in live[e] if t != "x")
    unfolded: dict = {"x": "x"}

    def unfold(t) -> str:  # the old key's term: invariant under renaming, so it orders modules
        if t not in unfolded:
            unfolded[t] = f"{arch[t]}({'+'.join(sorted(unfold(i) for i in live[t]))})"
        return unfolded[t]

    groups = [list(g) for _, g in itertools.groupby(sorted(live, key=unfold), key=unfold)]
    best = None
    for order in itertools.product(*(itertools.permutations(g) for g in groups)):
        modules = [e for g in order for e in g]
        label = {"x": "x", **{e: str(i) for i, e in enumerate(modules)}}
        text = "".join(f"{label[e]}={arch[e]}({','.join(sorted(label[t] for t in live[e]))});" for e in modules)
        text += "out=" + ",".join(sorted(label[t] for t in out))
        if best is None or text < best:
            best = text
    return best


@lru_cache(maxsize=1)
def _representatives() -> dict[str, Arch]:
    """For each canonical key, the member with the fewest ops (then lowest op indices)."""
    best: dict[str, Arch] = {}
    rank = {op: i for i, op in enumerate(OPS)}
    order = lambda a: (sum(op != "none" for op in a), [rank[op] for op in a])  # noqa: E731
    for arch in itertools.product(OPS, repeat=len(EDGES)):
        key = _expression(arch)
        if key not in best or order(arch) < order(best[key]):
            best[key] = arch
    return best


_OP_WEIGHTS = {"nor_conv_1x1": 1, "nor_conv_3x3": 9}  # kernel area of the conv ops; other ops hold no weights


def network_costs(
    ops: Sequence[str],
    num_classes: int,
    resolution: int,
    channels: int = STEM_CHANNELS,
    cells_per_stage: int = CELLS_PER_STAGE,
) -> tuple[int, int]:
    """(trainable parameters, multiply-adds of convs and linears for one image) of TinyNetwork, in closed form:
    what count_params and count_flops measure on the built network (tested equal), without building it."""
    params = 3 * channels * 9 + 2 * channels  # stem conv + BN
    flops = 3 * channels * 9 * resolution**2
    c, side = channels, resolution
    for stage in range(3):
        if stage > 0:  # ResidualReduction(c, 2c): 3x3 stride 2, 3x3, and the 1x1 shortcut, at half the side
            side = (side + 1) // 2
            out = 2 * c
            params += 9 * c * out + 2 * out + 9 * out * out + 2 * out + c * out
            flops += (9 * c * out + 9 * out * out + c * out) * side**2
            c = out
        per_cell = sum(_OP_WEIGHTS.get(op, 0) for op in ops)
        convs = sum(op in _OP_WEIGHTS for op in ops)
        params += cells_per_stage * (per_cell * c * c + convs * 2 * c)  # conv weights + BN affine
        flops += cells_per_stage * per_cell * c * c * side**2
    params += 2 * c + c * num_classes + num_classes  # last BN, classifier
    flops += c * num_classes
    return params, flops


class NatsTopologySpace:
    name = "nats-tss"
    capabilities = SpaceCapabilities(
        datasets=("cifar10", "cifar100", "imagenet16-120"),
        enumerable=True,
        closed_form_costs=True,
        skip_score=True,
        hardware_table="hw-nas-bench",
        thin_twin=True,
        categorical=True,
        largest_params_m=1.531546,  # all nor_conv_3x3, CIFAR-10 head (the benchmark's params_m_cifar10 maximum)
    )
    ops = OPS
    edges = EDGES

    def parse(self, text: str) -> Arch:
        text = str(text).strip()
        levels = text.split("+")
        if len(levels) != NUM_NODES - 1:
            raise ZeronasError(
                f"malformed nats-tss architecture {text!r}: expected 3 '+'-separated node groups "
                "like |nor_conv_3x3~0|+|skip_connect~0|none~1|+|...~0|...~1|...~2|"
            )
        arch: list[str] = []
        for target, level in enumerate(levels, start=1):
            if not (level.startswith("|") and level.endswith("|")):
                raise ZeronasError(
                    f"malformed nats-tss architecture {text!r}: node group {level!r} must be enclosed in '|'"
                )
            genes = level[1:-1].split("|")
            if len(genes) != target:
                raise ZeronasError(
                    f"malformed nats-tss architecture {text!r}: node {target} needs {target} "
                    f"incoming edges, got {len(genes)}"
                )
            for source, gene in enumerate(genes):
                op, sep, src = gene.partition("~")
                if not sep or src != str(source):
                    raise ZeronasError(
                        f"malformed nats-tss architecture {text!r}: edge {gene!r} should read '<op>~{source}'"
                    )
                if op not in OPS:
                    raise ZeronasError(f"unknown op {op!r} in {text!r}; known ops: {', '.join(OPS)}")
                arch.append(op)
        return tuple(arch)

    def format(self, arch: Arch) -> str:
        groups = []
        for target in range(1, NUM_NODES):
            genes = [f"{op}~{s}" for (t, s), op in zip(EDGES, arch) if t == target]
            groups.append("|" + "|".join(genes) + "|")
        return "+".join(groups)

    def all(self) -> list[Arch]:
        return [tuple(a) for a in itertools.product(OPS, repeat=len(EDGES))]

    def sample(self, rng: random.Random) -> Arch:
        return tuple(rng.choice(OPS) for _ in EDGES)

    def mutate(self, arch: Arch, rng: random.Random) -> Arch:
        edge = rng.randrange(len(EDGES))
        new_op = rng.choice([op for op in OPS if op != arch[edge]])
        return arch[:edge] + (new_op,) + arch[edge + 1 :]

    def crossover(self, a: Arch, b: Arch, rng: random.Random) -> Arch:
        return tuple(x if rng.random() < 0.5 else y for x, y in zip(a, b))

    def canonical_key(self, arch: Arch) -> str:
        return _expression(tuple(arch))

    def representative(self, arch: Arch) -> Arch:
        return _representatives()[_expression(tuple(arch))]

    def num_unique(self) -> int:
        return len(_representatives())

    def smallest(self) -> Arch:
        return ("none",) * len(EDGES)

    def choices(self) -> tuple[tuple[str, ...], ...]:
        return (OPS,) * len(EDGES)  # one op per edge

    def from_choices(self, indices: tuple[int, ...]) -> Arch:
        return tuple(OPS[i] for i in indices)

    def build_model(self, arch: Arch, num_classes: int) -> nn.Module:
        from zeronas.spaces.nats_tss_net import TinyNetwork

        return TinyNetwork([(t, s, op) for (t, s), op in zip(EDGES, arch)], num_classes)

    def network_costs(self, arch: Arch, num_classes: int, resolution: int) -> tuple[int, int]:
        return network_costs(arch, num_classes, resolution)

    def thin_model(self, arch: Arch, num_classes: int) -> nn.Module:
        """TE-NAS's twin for counting linear regions: 3 channels, one cell per stage."""
        from zeronas.spaces.nats_tss_net import TinyNetwork

        return TinyNetwork([(t, s, op) for (t, s), op in zip(EDGES, arch)], num_classes, channels=3, cells_per_stage=1)

    def skip_score(self, arch: Arch) -> float:
        """Mean over skip_connect edges of the number of intermediate nodes jumped (FreeREA)."""
        jumps = [t - s - 1 for (t, s), op in zip(EDGES, arch) if op == "skip_connect"]
        return sum(jumps) / len(jumps) if jumps else 0.0
