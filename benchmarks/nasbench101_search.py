"""FreeREA against random search on NAS-Bench-101, live: seeded searches of N cells each, one line per run,
then the mean ± std test accuracy per strategy.

    python benchmarks/nasbench101_search.py [--seeds 0-4] [--strategies freerea,random] [--budget 300]
                                            [--workers 2] [--device cpu] [--out runs/nasbench101-search]

Each finished run is appended to <out>/runs.jsonl and skipped when the script is rerun, and every score
goes to <out>/scores.sqlite, so an interrupted batch resumes where it stopped (a half-finished run
restarts, reusing the cells it had already scored).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from zeronas.runner import run_search


def seed_list(text: str) -> list[int]:
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def machine(device: str) -> str:
    """What scored the cells, for the log: timings only compare between runs on the same machine."""
    import platform

    import torch

    where = torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else platform.processor()
    return f"{where or platform.machine()}, {len(os.sched_getaffinity(0))} usable CPUs, torch {torch.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--strategies", default="freerea,random")
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="torch device that scores the networks (cuda: --workers 1)")
    parser.add_argument("--out", default="runs/nasbench101-search")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = out / "runs.jsonl"
    done = {}
    if log.exists():
        for line in log.read_text().splitlines():
            row = json.loads(line)
            done[row["strategy"], row["seed"], row["budget"]] = row
    for seed in seed_list(args.seeds):  # seed-major: an interrupted batch still has paired runs
        for strategy in args.strategies.split(","):
            if (strategy, seed, args.budget) in done:
                continue
            load, t0 = os.getloadavg()[0], time.perf_counter()
            report = run_search("nasbench101", "cifar10", budget=args.budget, strategy=strategy, seed=seed,
                                workers=args.workers, store=str(out / "scores.sqlite"), device=args.device)
            row = dict(strategy=strategy, seed=seed, budget=args.budget, arch=report.arch,
                       test_acc=report.test_acc, regret=report.regret, wall_s=report.wall_s,
                       process_s=time.perf_counter() - t0, s_per_cell=report.scoring_s_per_arch,
                       scored=report.scored, workers=args.workers, load_before=load, device=args.device,
                       machine=machine(args.device))
            with log.open("a") as f:
                f.write(json.dumps(row) + "\n")
            done[strategy, seed, args.budget] = row
            print(f"{strategy:8s} seed {seed}: test {report.test_acc:.2f} % (regret {report.regret:.2f})  "
                  f"wall {report.wall_s:.0f} s, {report.scoring_s_per_arch:.2f} s per cell scored, "
                  f"load {load:.2f} before  {report.arch}", flush=True)
    print(f"\nNAS-Bench-101, budget {args.budget} cells, optimum 94.32 %")
    for strategy in args.strategies.split(","):
        rows = [r for (s, _, b), r in sorted(done.items()) if s == strategy and b == args.budget]
        if not rows:
            continue
        acc = [r["test_acc"] for r in rows]
        spread = statistics.stdev(acc) if len(acc) > 1 else 0.0
        print(f"{strategy:8s} {statistics.mean(acc):.2f} ± {spread:.2f} % over seeds "
              f"{','.join(str(r['seed']) for r in rows)}; mean wall {statistics.mean(r['wall_s'] for r in rows):.0f} s")


if __name__ == "__main__":
    main()
