"""FreeREA's own NAS-Bench-101 mutation and crossover (NiccoloCavagnero/FreeREA, `nas_spaces/nasbench101.py`:
`mutation`, `crossover` and their helpers), as a move set of the nasbench101 space (`moves=freerea`).

They work on the genotype, a list of vertices after the input, each an op and its sources, the output last:

* mutation, by the pruned parent's edge count E and vertex count V: with E < 9 and V < 7, half the time add
  a vertex or an edge (even odds), else modify; with only V < 7, add a vertex or modify (even odds); with
  only E < 9, add an edge or modify (even odds) when E ≥ V, else add an edge; otherwise modify. Modify is,
  at even odds, a vertex move (change an op; when V > 3, change or remove at even odds) or an edge move
  (move an edge; when E > V - 1, move or remove at even odds).
* add a vertex: a position p among the op vertices; when p > 1 a vertex of a random op fed by one random
  earlier vertex is inserted at p. The later vertices' sources are *not* renumbered, so the insertion
  also rewires them (a quirk kept here). With p = 1 nothing changes.
* remove a vertex: delete a random op vertex; every later vertex's sources are clipped to lie before it.
* add an edge: a random vertex (from vertex 2 on, the output included) that can take another source gets
  one of its missing earlier sources. Remove an edge: a random vertex with two or more sources loses one.
  Move an edge: remove, then add.
* crossover: the genotypes are aligned vertex by vertex up to the shorter one's length, each vertex taken
  from either parent at even odds; if the last one is not an output, the shorter parent's output is used;
  while the (unpruned) child has more than 9 edges, an edge is removed.

A child is then pruned and checked as the benchmark does. Deviations, both needed to use the moves in a
search: a child that is invalid (the reference raises an error nobody catches) or the same network as its
parent (the reference returns the copy) is redrawn, up to MAX_TRIES times; and a parent is always written
in the benchmark's stored vertex order, where the reference keeps a mutant in its own pruned order.
"""

from __future__ import annotations

import random

from zeronas.errors import ZeronasError

MAX_TRIES = 1000
OPS = 3  # op labels 0, 1, 2
OUT = -2  # the output vertex's label


def genotype(cell) -> list[tuple[int, list[int]]]:
    """[(op, sources)] for vertices 1..V-1 of a Cell, the output (OUT) last."""
    n = cell.num_vertices
    ops = [*cell.ops, OUT]
    return [(ops[v - 1], [u for u in range(v) if cell.matrix[u][v]]) for v in range(1, n)]


def to_cell(genes: list[tuple[int, list[int]]]):
    """The pruned, ordered Cell of a genotype, or None if the benchmark would reject it."""
    from zeronas.spaces.nasbench101 import from_genotype

    n = len(genes) + 1
    if n < 2 or genes[-1][0] != OUT or any(op == OUT for op, _ in genes[:-1]):
        return None
    matrix = [[0] * n for _ in range(n)]
    for v, (_, sources) in enumerate(genes, start=1):
        for u in sources:
            if not 0 <= u < v:
                return None
            matrix[u][v] = 1
    return from_genotype(matrix, [op for op, _ in genes[:-1]])


def _edges(genes) -> int:
    return sum(len(s) for _, s in genes)


def _add_vertex(genes, rng: random.Random) -> None:
    n = len(genes) + 1  # vertices, the input included
    position = rng.randrange(1, n - 1) if n - 1 > 1 else n - 2
    if position > 1:
        genes.insert(position - 1, (rng.randrange(OPS), [rng.randrange(position)]))


def _add_edge(genes, rng: random.Random) -> None:
    open_ = [v for v in range(2, len(genes) + 1) if len(genes[v - 1][1]) < v]
    if not open_:
        return
    v = rng.choice(open_)
    op, sources = genes[v - 1]
    missing = [u for u in range(v) if u not in sources]
    if missing:
        genes[v - 1] = (op, sorted([*sources, rng.choice(missing)]))


def _remove_edge(genes, rng: random.Random) -> None:
    shared = [v for v in range(1, len(genes) + 1) if len(genes[v - 1][1]) > 1]
    if not shared:
        return
    v = rng.choice(shared)
    op, sources = genes[v - 1]
    dropped = rng.choice(sources)
    genes[v - 1] = (op, [u for u in sources if u != dropped])


def _change_op(genes, rng: random.Random) -> None:
    if len(genes) <= 1:
        return
    i = rng.randrange(len(genes) - 1)
    op, sources = genes[i]
    genes[i] = (rng.choice([o for o in range(OPS) if o != op]), sources)


def _remove_vertex(genes, rng: random.Random) -> None:
    del genes[rng.randrange(len(genes) - 1)]
    for i, (op, sources) in enumerate(genes):
        genes[i] = (op, sorted({min(u, i) for u in sources}))  # vertex i+1 may only read vertices 0..i


def _modify(genes, rng: random.Random, vertices: int, edges: int) -> None:
    if rng.random() < 0.5:
        if vertices <= 3 or rng.random() < 0.5:
            _change_op(genes, rng)
        else:
            _remove_vertex(genes, rng)
    elif edges <= vertices - 1 or rng.random() < 0.5:
        _remove_edge(genes, rng)  # move an edge
        _add_edge(genes, rng)
    else:
        _remove_edge(genes, rng)


def _mutated(genes, rng: random.Random) -> list:
    genes = list(genes)
    edges, vertices = _edges(genes), len(genes) + 1
    if edges < 9 and vertices < 7:
        if rng.random() < 0.5:
            (_add_vertex if rng.random() < 0.5 else _add_edge)(genes, rng)
        else:
            _modify(genes, rng, vertices, edges)
    elif vertices < 7:
        if rng.random() < 0.5:
            _add_vertex(genes, rng)
        else:
            _modify(genes, rng, vertices, edges)
    elif edges < 9:
        if edges >= vertices and rng.random() >= 0.5:
            _modify(genes, rng, vertices, edges)
        else:
            _add_edge(genes, rng)
    else:
        _modify(genes, rng, vertices, edges)
    return genes


def mutate(space, cell, rng: random.Random):
    key = space.canonical_key(cell)
    for _ in range(MAX_TRIES):
        child = to_cell(_mutated(genotype(cell), rng))
        if child is not None and space.canonical_key(child) != key:
            return child
    raise ZeronasError(f"could not mutate nasbench101 cell {space.format(cell)!r} in {MAX_TRIES} tries")


def crossover(space, a, b, rng: random.Random):
    ga, gb = genotype(a), genotype(b)
    for _ in range(MAX_TRIES):
        genes = [x if rng.random() < 0.5 else y for x, y in zip(ga, gb)]
        if genes[-1][0] != OUT and len(ga) != len(gb):
            genes[-1] = (gb if len(ga) > len(gb) else ga)[-1]
        while _edges(genes) > 9:
            _remove_edge(genes, rng)
        child = to_cell(genes)
        if child is not None:
            return child
    raise ZeronasError(
        f"could not cross nasbench101 cells {space.format(a)!r} and {space.format(b)!r} in {MAX_TRIES} tries"
    )
