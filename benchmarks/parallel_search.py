"""Wall time of `zeronas search --budget 100` with one scoring process vs a pool of two.

FreeREA scores its initial population of 25 in one call and then the 3 children of every step in one call,
so two single-threaded workers score side by side. Both runs must find the same architecture with the same
scores: results do not depend on the number of workers.

    python benchmarks/parallel_search.py [--budget 100] [--seed 0] [--repeat 1] [--backend local]

How to read it: `search` is the report's wall time of the search itself (pool start-up included), `process`
the whole command (imports, data, ground truth); `speed-up` is workers=1 time / workers=2 time of the search.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished children and their reaped workers
    return usage.ru_utime + usage.ru_stime


def run(budget: int, seed: int, workers: int, backend: str) -> tuple[dict, float, float]:
    cmd = [
        sys.executable,
        "-m",
        "zeronas.cli.main",
        "search",
        "--budget",
        str(budget),
        "--seed",
        str(seed),
        "--workers",
        str(workers),
        "--backend",
        backend,
        "--json",
    ]
    t0, c0 = time.perf_counter(), children_cpu()
    done = subprocess.run(cmd, capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - t0, children_cpu() - c0
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return json.loads(done.stdout), elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="alternate the two settings this many times")
    parser.add_argument("--backend", default="local", help="backend of the 2-worker run: local | ray")
    args = parser.parse_args()

    best: dict[int, float] = {}
    reports: dict[int, dict] = {}
    for round_ in range(args.repeat):
        for workers in (1, 2):
            load = os.getloadavg()[0]
            report, elapsed, cpu = run(args.budget, args.seed, workers, "local" if workers == 1 else args.backend)
            reports[workers] = report
            best[workers] = min(best.get(workers, float("inf")), report["wall_s"])
            print(
                f"round {round_ + 1}: workers={workers}  search {report['wall_s']:6.1f} s  process {elapsed:6.1f} s  "
                f"cpu {cpu:6.1f} s  "
                f"({report['scored']} scored, load average {load:.2f} before)",
                flush=True,
            )
    same = (reports[1]["arch"], reports[1]["scores"]) == (reports[2]["arch"], reports[2]["scores"])
    print(
        f"best search wall time: workers=1 {best[1]:.1f} s, workers=2 {best[2]:.1f} s, "
        f"speed-up {best[1] / best[2]:.2f}x"
    )
    print(f"same architecture and scores with 1 and 2 workers: {'yes' if same else 'NO'}  ({reports[1]['arch']})")


if __name__ == "__main__":
    main()
