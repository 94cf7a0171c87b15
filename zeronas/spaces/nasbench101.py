"""NAS-Bench-101 search space: cells are DAGs of at most 7 vertices and 9 edges, 423,624 unique cells.

A cell has an input vertex, up to five op vertices (conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3) and an
output vertex, wired by an upper-triangular adjacency matrix. As in the benchmark, vertices without a path
from the input or to the output are pruned away first; a cell is valid when the input reaches the
output and the pruned cell has at most 7 vertices and 9 edges.

Architectures are `Cell` values kept pruned and in the benchmark's own vertex order: of all vertex
orders that keep the matrix upper-triangular, the one the benchmark's enumeration met first (smallest
edge bit-string, then smallest op labels), which is how its table stores every cell. So two cells are
equal exactly when they are the same network, `format` gives the stored form, and the canonical key is
the benchmark's graph hash.

Genotype string: one `op:sources` group per vertex after the input, in vertex order, `|`-separated, the
output last (`out`); sources are the numbers of the vertices feeding it (0 = input). For example
`conv3x3:0|maxpool3x3:0,1|out:1,2`. Op names: conv3x3, conv1x1, maxpool3x3 (the benchmark's
conv3x3-bn-relu / conv1x1-bn-relu are accepted too).
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from zeronas.errors import ZeronasError
from zeronas.spaces.base import SpaceCapabilities

if TYPE_CHECKING:  # torch is imported only when a network is built
    from torch import nn
from zeronas.spaces.nasbench101_hash import cell_hash

OPS = ("conv3x3", "conv1x1", "maxpool3x3")  # labels 0, 1, 2 as in the benchmark
BENCHMARK_OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
INPUT_LABEL, OUTPUT_LABEL = -1, -2
MAX_VERTICES, MAX_EDGES = 7, 9
MAX_TRIES = 1000
_POSSIBLE_EDGES = [(u, w) for w in range(1, MAX_VERTICES) for u in range(w)]
_OP_LABEL = {name: i for names in (OPS, BENCHMARK_OPS) for i, name in enumerate(names)}


class Cell(NamedTuple):
    """A pruned cell in the benchmark's vertex order: op labels of vertices 1..V-2, V×V 0/1 matrix."""

    ops: tuple[int, ...]
    matrix: tuple[tuple[int, ...], ...]

    @property
    def num_vertices(self) -> int:
        return len(self.matrix)

    @property
    def labels(self) -> tuple[int, ...]:
        return (INPUT_LABEL, *self.ops, OUTPUT_LABEL)

    @property
    def num_edges(self) -> int:
        return sum(map(sum, self.matrix))


def prune(matrix: Sequence[Sequence[int]], ops: Sequence[int]) -> tuple[list[list[int]], list[int]] | None:
    """Drop vertices not on an input-to-output path; None when the input does not reach the output."""
    n = len(matrix)
    from_input = {0}
    for u in range(n):
        if u in from_input:
            from_input.update(w for w in range(u + 1, n) if matrix[u][w])
    if n - 1 not in from_input:
        return None
    to_output = {n - 1}
    for u in range(n - 2, -1, -1):
        if any(matrix[u][w] for w in to_output):
            to_output.add(u)
    keep = sorted(from_input & to_output)
    return [[int(matrix[u][w]) for w in keep] for u in keep], [ops[u - 1] for u in keep[1:-1]]


def _edge_bit(u: int, w: int) -> int:
    """Bit of edge u->w in the benchmark's enumeration of matrices (column by column)."""
    return u + w * (w - 1) // 2


def _orderings(matrix: Sequence[Sequence[int]], ops: Sequence[int]) -> tuple[Cell, int]:
    """The benchmark's stored form of a pruned cell, and how many distinct (matrix, ops) genotypes write it.

    The stored form is the first of the cell's upper-triangular vertex orders that the benchmark's
    enumeration meets: smallest edge bit-string, then smallest op labels.
    """
    n = len(matrix)
    edges = [(u, w) for u in range(n) for w in range(u + 1, n) if matrix[u][w]]
    seen: set[tuple[int, tuple[int, ...]]] = set()
    best_key, best_position = None, None
    position = list(range(n))
    for order in itertools.permutations(range(1, n - 1)):
        for new, old in enumerate(order, start=1):
            position[old] = new
        if any(position[u] >= position[w] for u, w in edges):
            continue
        key = (sum(1 << _edge_bit(position[u], position[w]) for u, w in edges), tuple(ops[old - 1] for old in order))
        seen.add(key)
        if best_key is None or key < best_key:
            best_key, best_position = key, list(position)
    new_matrix = [[0] * n for _ in range(n)]
    for u, w in edges:
        new_matrix[best_position[u]][best_position[w]] = 1
    return Cell(best_key[1], tuple(map(tuple, new_matrix))), len(seen)


def canonical(matrix: Sequence[Sequence[int]], ops: Sequence[int]) -> Cell:
    """The benchmark's stored vertex order of a pruned cell."""
    return _orderings(matrix, ops)[0]


@lru_cache(maxsize=1)
def _full_dag_masks() -> tuple[list[int], list[list[int]]]:
    """Per vertex count V: every V-vertex edge bit-string with at most 9 edges and no dangling vertex
    (each vertex but the output has an out-edge, each but the input an in-edge): the matrices the
    benchmark enumerated. Returns (count per V, bit-strings per V)."""
    counts, masks = [], []
    for n in range(MAX_VERTICES + 1):
        if n < 2:
            counts.append(0)
            masks.append([])
            continue
        bits = np.arange(2 ** (n * (n - 1) // 2), dtype=np.int64)
        ok = np.ones(len(bits), dtype=bool)
        for v in range(n):
            out_mask = sum(1 << _edge_bit(v, w) for w in range(v + 1, n))
            in_mask = sum(1 << _edge_bit(u, v) for u in range(v))
            if v < n - 1:
                ok &= (bits & out_mask) != 0
            if v > 0:
                ok &= (bits & in_mask) != 0
        popcount = np.zeros(len(bits), dtype=np.int64)
        for b in range(n * (n - 1) // 2):
            popcount += (bits >> b) & 1
        chosen = bits[ok & (popcount <= MAX_EDGES)]
        counts.append(len(chosen))
        masks.append(chosen.tolist())
    return counts, masks


def from_genotype(matrix: Sequence[Sequence[int]], ops: Sequence[int]) -> Cell | None:
    """Prune, check the limits on the pruned cell as the benchmark does, put in order; None if invalid."""
    pruned = prune(matrix, ops)
    if pruned is None or len(pruned[0]) > MAX_VERTICES or sum(map(sum, pruned[0])) > MAX_EDGES:
        return None
    return canonical(*pruned)


@lru_cache(maxsize=200_000)
def _hash(cell: Cell) -> str:
    return cell_hash(cell.matrix, cell.labels)


def _padded(cell: Cell, rng: random.Random, dormant: bool) -> tuple[list[list[int]], list[int]]:
    """The cell as a 7-vertex genotype: extra op vertices inserted before the output.

    Dormant extras get a random op and one random input edge but no path to the output, like the unused
    genes of an unpruned genotype, so one flipped edge can bring them to life and cells can grow again.
    """
    n = cell.num_vertices
    extra = MAX_VERTICES - n
    matrix = [[0] * MAX_VERTICES for _ in range(MAX_VERTICES)]
    for u in range(n):
        for w in range(n):
            if cell.matrix[u][w]:
                matrix[u if u < n - 1 else MAX_VERTICES - 1][w if w < n - 1 else MAX_VERTICES - 1] = 1
    ops = list(cell.ops) + [rng.randrange(len(OPS)) for _ in range(extra)]
    if dormant:
        for v in range(n - 1, MAX_VERTICES - 1):
            matrix[rng.randrange(v)][v] = 1
    return matrix, ops


class NasBench101Space:
    name = "nasbench101"
    # the benchmark trained on CIFAR-10 only; 423,624 cells are too many to enumerate and tabulate
    capabilities = SpaceCapabilities(
        datasets=("cifar10",),
        closed_form_costs=True,
        skip_score=True,
        move_sets=("freerea",),
        largest_params_m=49.979274,  # the benchmark table's largest trainable-parameter count
    )
    ops = OPS

    # -- strings ------------------------------------------------------------------------------
    def parse(self, text: str) -> Cell:
        text = str(text).strip()
        groups = text.split("|")

        def bad(why: str) -> ZeronasError:
            return ZeronasError(
                f"malformed nasbench101 cell {text!r}: {why} (expected groups like 'conv3x3:0|maxpool3x3:0,1|out:1,2')"
            )

        if len(groups) + 1 > MAX_VERTICES:
            raise bad(f"{len(groups) + 1} vertices, at most {MAX_VERTICES} allowed")  # pruning keeps fewer
        n = len(groups) + 1
        matrix = [[0] * n for _ in range(n)]
        ops: list[int] = []
        for vertex, group in enumerate(groups, start=1):
            op, sep, sources = group.strip().partition(":")
            op = op.strip().lower()
            if not sep:
                raise bad(f"group {group!r} has no ':'")
            if vertex == n - 1:
                if op not in ("out", "output"):
                    raise bad(f"the last group must be the output ('out:...'), got {op!r}")
            elif op not in _OP_LABEL:
                raise ZeronasError(f"unknown op {op!r} in nasbench101 cell {text!r}; known ops: {', '.join(OPS)}")
            else:
                ops.append(_OP_LABEL[op])
            for source in filter(None, (s.strip() for s in sources.split(","))):
                if not source.isdigit() or int(source) >= vertex:
                    raise bad(f"vertex {vertex} can only take inputs from vertices 0..{vertex - 1}, got {source!r}")
                if matrix[int(source)][vertex]:
                    raise bad(f"edge {source}->{vertex} is listed twice")
                matrix[int(source)][vertex] = 1
        pruned = prune(matrix, ops)
        if pruned is None:
            raise bad("the input is not connected to the output")
        if sum(map(sum, pruned[0])) > MAX_EDGES:
            raise bad(f"{sum(map(sum, pruned[0]))} edges after pruning, at most {MAX_EDGES} allowed")
        return canonical(*pruned)

    def format(self, arch: Cell) -> str:
        n = arch.num_vertices
        groups = []
        for w in range(1, n):
            name = "out" if w == n - 1 else OPS[arch.ops[w - 1]]
            groups.append(name + ":" + ",".join(str(u) for u in range(w) if arch.matrix[u][w]))
        return "|".join(groups)

    # -- search moves -------------------------------------------------------------------------
    def sample(self, rng: random.Random) -> Cell:
        """A cell drawn uniformly from the 423,624 unique cells, without the table.

        A genotype is drawn uniformly from those the benchmark enumerated (vertex count, a matrix with no
        dangling vertex and at most 9 edges, op labels); a cell written by k such genotypes is then kept
        with probability 1/k, which leaves every cell equally likely. (Drawing each of the 21 edges with
        probability 1/2, as NAS-Bench-101's example code does, returns the input-to-output cell one time
        in ten and 7-vertex cells, 85% of the space, almost never.)
        """
        counts, masks = _full_dag_masks()
        weights = [counts[n] * len(OPS) ** max(n - 2, 0) for n in range(len(counts))]
        while True:
            n = rng.choices(range(len(counts)), weights=weights)[0]
            bits = masks[n][rng.randrange(counts[n])]
            matrix = [[(bits >> _edge_bit(u, w)) & 1 if u < w else 0 for w in range(n)] for u in range(n)]
            cell, writings = _orderings(matrix, [rng.randrange(len(OPS)) for _ in range(n - 2)])
            if rng.random() * writings < 1:
                return cell

    def mutate(self, arch: Cell, rng: random.Random) -> Cell:
        """Flip one edge or change one op of the 7-vertex genotype (see `_padded`); redrawn until the result
        is valid and a different network."""
        key = _hash(arch)
        for _ in range(MAX_TRIES):
            matrix, ops = _padded(arch, rng, dormant=True)
            if rng.random() < 0.5:
                u, w = rng.choice(_POSSIBLE_EDGES)
                matrix[u][w] ^= 1
            else:
                v = rng.randrange(len(ops))
                ops[v] = rng.choice([op for op in range(len(OPS)) if op != ops[v]])
            child = self._valid_child(matrix, ops)
            if child is not None and _hash(child) != key:
                return child
        raise ZeronasError(f"could not mutate nasbench101 cell {self.format(arch)!r} in {MAX_TRIES} tries")

    def crossover(self, a: Cell, b: Cell, rng: random.Random) -> Cell:
        """Each vertex after the input takes its op and its input edges from one parent or the other
        (parents padded to 7 vertices). Over 9 edges, random edges are removed as FreeREA does; a child
        whose input no longer reaches its output is redrawn."""
        for _ in range(MAX_TRIES):
            (ma, oa), (mb, ob) = _padded(a, rng, dormant=False), _padded(b, rng, dormant=False)
            matrix, ops = [row[:] for row in ma], list(oa)
            for w in range(1, MAX_VERTICES):
                if rng.random() < 0.5:
                    for u in range(w):
                        matrix[u][w] = mb[u][w]
                    if w < MAX_VERTICES - 1:
                        ops[w - 1] = ob[w - 1]
            child = self._valid_child(matrix, ops, rng)
            if child is not None:
                return child
        raise ZeronasError(
            f"could not cross nasbench101 cells {self.format(a)!r} and {self.format(b)!r} in {MAX_TRIES} tries"
        )

    def moves(self, name: str) -> tuple:
        """'freerea': FreeREA's reference mutation and crossover (zeronas/spaces/nasbench101_freerea_moves.py)."""
        if name != "freerea":
            raise ZeronasError(f"nasbench101 has no move set {name!r}; it has: freerea")
        from zeronas.spaces import nasbench101_freerea_moves as freerea

        return functools.partial(freerea.mutate, self), functools.partial(freerea.crossover, self)

    @staticmethod
    def _valid_child(matrix: list[list[int]], ops: list[int], rng: random.Random | None = None) -> Cell | None:
        """The pruned child of a 7-vertex genotype; with rng, edges over the limit are dropped at random."""
        pruned = prune(matrix, ops)
        while rng is not None and pruned is not None and sum(map(sum, pruned[0])) > MAX_EDGES:
            u, w = rng.choice([(u, w) for u, w in _POSSIBLE_EDGES if matrix[u][w]])
            matrix[u][w] = 0
            pruned = prune(matrix, ops)
        return from_genotype(matrix, ops)

    # -- equivalence, costs, models -----------------------------------------------------------
    def canonical_key(self, arch: Cell) -> str:
        return _hash(arch)

    def representative(self, arch: Cell) -> Cell:
        return arch  # already pruned and in the benchmark's order

    def smallest(self) -> Cell:
        """All max-pools, one input projection, four vertices sharing the output: the table's fewest
        parameters (227,274) and multiply-adds (37.1 M)."""
        return self.parse("maxpool3x3:0|maxpool3x3:1|maxpool3x3:2|maxpool3x3:1|maxpool3x3:4|out:1,2,3,5")

    def build_model(self, arch: Cell, num_classes: int) -> nn.Module:
        from zeronas.spaces.nasbench101_net import NasBench101Network

        return NasBench101Network(arch.matrix, arch.labels, num_classes)

    def network_costs(self, arch: Cell, num_classes: int, resolution: int = 32) -> tuple[int, int]:
        """(params, multiply-adds) in closed form: building a NAS-Bench-101 network takes ~0.1 s, this ~50 µs."""
        if resolution != 32:
            raise ZeronasError(f"NAS-Bench-101 networks take 32×32 images, not {resolution}×{resolution}")
        from zeronas.spaces.nasbench101_net import network_costs as closed_form_costs

        params, macs = closed_form_costs(np.array([arch.matrix]), np.array([arch.labels]), num_classes)
        return int(params[0]), int(macs[0])

    def skip_score(self, arch: Cell) -> float:
        """FreeREA's skip score on the benchmark's vertex order: for every edge into an op vertex, the number
        of vertices between its ends; the mean over edges that skip at least one (0 if none does)."""
        jumps = [
            w - u - 1 for w in range(1, arch.num_vertices - 1) for u in range(w) if arch.matrix[u][w] and w - u > 1
        ]
        return sum(jumps) / len(jumps) if jumps else 0.0
