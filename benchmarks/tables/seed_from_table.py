"""Seed a score store from an earlier nats-tss score table, so a new canonical key rescores only new classes.

The tables up to commit 42086b8 were made with a key that dropped module identity (4,930 classes). Under
the current key (5,260 classes) every class is a subset of an old class, so each old representative is
still the representative of its new class: its row of the old table holds its own scores. This script
copies those rows into a score store under the NEW key (same settings tag), and `zeronas precompute`
then scores only the classes whose representative is new. Rerunning skips networks already stored.

    git show 42086b8:zeronas/resources/tables/nats-tss-cifar10.csv.gz > runs/old-tables/nats-tss-cifar10.csv.gz
    python benchmarks/tables/seed_from_table.py --dataset cifar10 --old-table runs/old-tables/nats-tss-cifar10.csv.gz \
        --store runs/rekey/nats-tss-cifar10.sqlite --verify 5 --provenance-out runs/rekey/cifar10-provenance.json

`--verify N` first recomputes N copied networks from scratch with the current Scorer (same settings, one
thread) and prints each proxy's largest relative difference from the old table (7 significant digits).
The copied rows' seconds are the old table's (time-model) seconds: export the table with
`--time-model-json <old .json>` so every row is priced by the old coefficients, not a refit.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np

PROXIES = ("naswot", "logsynflow", "synflow", "skip", "params", "flops")


def legacy_key(arch: tuple[str, ...]) -> str:
    """The pre-fix canonical key (a sorted multiset of op(input) terms), kept here only to tell which cells
    were old representatives. Do not use it as a key: it merges different networks."""
    from zeronas.spaces.nats_tss import EDGES, NUM_NODES

    nodes: list[tuple[str, ...] | None] = [("x",)]
    for target in range(1, NUM_NODES):
        terms: list[str] = []
        for (t, s), op in zip(EDGES, arch):
            if t != target or op == "none" or nodes[s] is None:
                continue
            if op == "skip_connect":
                terms.extend(nodes[s])
            else:
                terms.append(f"{op}({'+'.join(nodes[s])})")
        nodes.append(tuple(sorted(terms)) if terms else None)
    out = nodes[-1]
    return "+".join(out) if out else "#zero"


def _order(arch):
    """The representative rule of NatsTopologySpace: fewest non-none ops, then lowest op indices."""
    from zeronas.spaces.nats_tss import OPS

    rank = {op: i for i, op in enumerate(OPS)}
    return sum(op != "none" for op in arch), [rank[op] for op in arch]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", required=True, help="cifar10 | cifar100 | imagenet16-120")
    ap.add_argument("--old-table", required=True, help="the earlier table (.csv.gz), made with the legacy key")
    ap.add_argument("--store", required=True, help="SQLite score store to seed (created if absent)")
    ap.add_argument("--verify", type=int, default=0, help="recompute N copied networks and compare first")
    ap.add_argument("--provenance-out", help="write counts and sources here (for export-table --provenance)")
    ap.add_argument("--old-table-label", help="how the provenance names the old table (default: its path)")
    ap.add_argument(
        "--computed-where",
        default="this 2-core machine: zeronas precompute --workers 1",
        help="recorded in the provenance: where the missing classes are scored",
    )
    ap.add_argument(
        "--note",
        help="recorded in the provenance as 'note' (e.g. the precompute run's summary line and "
        "wall time: rerun this script after it, nothing is stored twice)",
    )
    args = ap.parse_args()

    import pandas as pd

    from zeronas.data.datasets import get_dataset
    from zeronas.scoring.scorer import Scores, ScoringSettings
    from zeronas.spaces import get_space
    from zeronas.store import open_store

    space = get_space("nats-tss")
    info = get_dataset(args.dataset)
    tag = ScoringSettings().tag()
    old = pd.read_csv(args.old_table)
    missing_cols = [c for p in PROXIES for c in (p, f"{p}_s") if c not in old.columns]
    if missing_cols or len(old) != 15625:
        raise SystemExit(f"{args.old_table}: not a full nats-tss table (missing {missing_cols}, {len(old)} rows)")
    rows = {space.parse(a): i for i, a in enumerate(old["arch"])}
    values = old[list(PROXIES)].to_numpy(dtype=np.float64)
    seconds = old[[f"{p}_s" for p in PROXIES]].to_numpy(dtype=np.float64)

    old_rep: dict[str, tuple] = {}
    for arch in space.all():
        k = legacy_key(arch)
        if k not in old_rep or _order(arch) < _order(old_rep[k]):
            old_rep[k] = arch
    old_reps = set(old_rep.values())
    new_reps = {space.canonical_key(a): space.representative(a) for a in space.all()}
    # each old representative must represent the new class it falls in (the new key refines the old one)
    assert all(new_reps[space.canonical_key(r)] == r for r in old_reps), "the new key does not refine the old"
    copy = {k: r for k, r in new_reps.items() if r in old_reps}
    print(
        f"{args.dataset}: {len(new_reps)} classes under the new key, {len(old_reps)} old representatives; "
        f"{len(copy)} classes copied from {args.old_table}, {len(new_reps) - len(copy)} to compute",
        flush=True,
    )

    if args.verify:
        _verify(space, info, copy, rows, values, args.verify)

    store = open_store(args.store)
    added = 0
    t0 = time.perf_counter()
    for key, rep in sorted(copy.items()):
        if store.get("nats-tss", info.name, tag, key, list(PROXIES)) is not None:
            continue
        i = rows[rep]
        store.put(
            "nats-tss",
            info.name,
            tag,
            key,
            Scores(
                {p: float(v) for p, v in zip(PROXIES, values[i])}, {p: float(s) for p, s in zip(PROXIES, seconds[i])}
            ),
        )
        added += 1
    store.close()
    print(
        f"stored {added} networks now ({len(copy) - added} were already there) in {args.store} "
        f"under {tag} ({time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    if args.provenance_out:
        prov = dict(
            networks=len(new_reps),
            copied=len(copy),
            computed=len(new_reps) - len(copy),
            copied_from=f"{args.old_table_label or args.old_table} (made with the legacy key, 4,930 classes): "
            "the rows of the classes whose representative is an old representative",
            computed_where=args.computed_where,
            seconds="every row priced by the time model of "
            f"{(args.old_table_label or args.old_table).replace('.csv.gz', '.json')} "
            "(coefficients reused, not refitted on copied or new seconds)",
            script="benchmarks/tables/seed_from_table.py",
        )
        if args.note:
            prov["note"] = args.note
        Path(args.provenance_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.provenance_out).write_text(json.dumps(prov, indent=1) + "\n")


def _verify(space, info, copy, rows, values, n: int) -> None:
    """Recompute n copied representatives from scratch and compare with the old table's values."""
    from zeronas.data.datasets import load_sample
    from zeronas.scoring.scorer import Scorer, ScoringSettings

    images, labels = load_sample(info)
    scorer = Scorer.create(space, info, list(PROXIES), images, labels, ScoringSettings())
    picked = random.Random(0).sample(sorted(copy.items()), n)
    worst = {p: 0.0 for p in PROXIES}
    for key, rep in picked:
        t0 = time.perf_counter()
        got = scorer.compute(rep)
        diffs = []
        for p, want in zip(PROXIES, values[rows[rep]]):
            have = got.values[p]
            if math.isnan(want) or math.isnan(have):
                rel = 0.0 if math.isnan(want) and math.isnan(have) else math.inf
            else:
                rel = abs(have - want) / max(abs(want), 1e-300) if have != want else 0.0
            worst[p] = max(worst[p], rel)
            diffs.append(f"{p} {have:.7g}/{want:.7g}")
        print(
            f"verify {space.format(rep)} ({time.perf_counter() - t0:.1f} s): now/table " + ", ".join(diffs), flush=True
        )
    print(
        "verify: largest relative difference per proxy: "
        + ", ".join(f"{p} {worst[p]:.2e}" for p in PROXIES)
        + f" (max {max(worst.values()):.2e}; the table holds 7 significant digits)",
        flush=True,
    )


if __name__ == "__main__":
    main()
