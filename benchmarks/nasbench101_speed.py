"""Seconds per NAS-Bench-101 cell with FreeREA's proxies: the engine as it was (glibc's default memory
reuse) against the engine now (freed memory kept for reuse, zeronas.hardware.device.keep_freed_memory), on
the same seeded uniform sample of cells, one thread each, in fresh processes run one after the other.

    python benchmarks/nasbench101_speed.py [--cells 8] [--seed 1]

Prints wall and CPU seconds per cell for both, their ratio, the largest score difference (they must be
equal: only memory management changes), and the load average before each run (the figures are noise when
another job shares the cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

PROXIES = ["naswot", "logsynflow", "skip"]


def child(cells: int, seed: int) -> None:
    import random

    from zeronas.data.datasets import get_dataset, load_sample
    from zeronas.scoring.scorer import Scorer, ScoringSettings
    from zeronas.spaces import get_space

    space, info = get_space("nasbench101"), get_dataset("cifar10")
    images, labels = load_sample(info)
    scorer = Scorer.create(space, info, PROXIES, images, labels, ScoringSettings())
    rng = random.Random(seed)
    sample = [space.sample(rng) for _ in range(cells)]
    scorer.measure(space.smallest())  # warm-up, not timed
    wall, cpu = time.perf_counter(), time.process_time()
    scores = [scorer.measure(c).values for c in sample]
    print(
        json.dumps(
            {"wall": (time.perf_counter() - wall) / cells, "cpu": (time.process_time() - cpu) / cells, "scores": scores}
        )
    )


def run(cells: int, seed: int, malloc: str) -> dict:
    env = dict(os.environ, ZERONAS_MALLOC=malloc)
    load = os.getloadavg()[0]
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--cells", str(cells), "--seed", str(seed)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]), load=load)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.cells, args.seed)
        return
    before = run(args.cells, args.seed, "system")
    after = run(args.cells, args.seed, "keep")
    for name, r in (("before (glibc default)", before), ("now (freed memory kept)", after)):
        print(
            f"{name:24s} {r['wall']:6.2f} s/cell wall  {r['cpu']:6.2f} s/cell CPU  "
            f"(load average {r['load']:.2f} before)"
        )
    print(f"ratio: wall {before['wall'] / after['wall']:.2f}x, CPU {before['cpu'] / after['cpu']:.2f}x")
    diff = max(
        abs(a[p] - b[p]) / max(abs(a[p]), abs(b[p]), 1e-300)
        for a, b in zip(before["scores"], after["scores"])
        for p in PROXIES
    )
    print(f"largest relative score difference: {diff:.3g} over {args.cells} cells")


if __name__ == "__main__":
    main()
