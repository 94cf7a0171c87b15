"""Precompute nats-tss proxy scores with N worker processes (CPU cores, or sharing one GPU), each scoring a
shard of the canonical classes (5,260; 4,930 under the legacy key the first tables were made with) and
committing every architecture to one SQLite store per dataset (the same store `zeronas precompute` writes,
so `zeronas export-table` reads either).

`--device cpu` runs single-threaded workers, one per core. `--device cuda` draws weights on the CPU from
the same seeded generators and runs the proxies on the GPU (tiny floating-point differences from a CPU
run); with 14 processes sharing one H100 it was slower per network than CPU workers, see README.md.

    python benchmarks/tables/precompute_shards.py --out DIR --workers 12 --datasets imagenet16-120,cifar10
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing as mp
import time
from pathlib import Path

PROXIES = ("naswot", "logsynflow", "synflow", "skip", "params", "flops")


def _cuda_init(original):
    """init_weights for a CUDA model: draw on a CPU twin with the caller's generator, then copy over."""

    def init(model, generator):
        twin = getattr(model, "_zeronas_cpu_twin", None)
        if twin is None:
            twin = copy.deepcopy(model).cpu()
            object.__setattr__(model, "_zeronas_cpu_twin", twin)
        original(twin, generator)
        model.load_state_dict(twin.state_dict())
        return model

    return init


def _worker(
    shard: int,
    shards: int,
    dataset: str,
    store_path: str,
    deadline: float,
    log: str,
    device: str = "cuda",
    reverse: bool = False,
) -> None:
    import torch

    torch.set_num_threads(1)
    import zeronas.scoring.scorer as scorer_mod
    from zeronas.data.datasets import get_dataset, load_sample
    from zeronas.scoring.scorer import Scorer, ScoringSettings
    from zeronas.spaces import get_space
    from zeronas.store import open_store

    space = get_space("nats-tss")
    info = get_dataset(dataset)
    images, labels = load_sample(info)
    settings = ScoringSettings()
    scorer = Scorer.create(space, info, list(PROXIES), images, labels, settings)
    if device == "cuda":
        scorer.batches = [(x.cuda(), y.cuda()) for x, y in scorer.batches]
        scorer_mod.init_weights = _cuda_init(scorer_mod.init_weights)
        torch.set_default_device("cuda")
    store = open_store(store_path)
    cache = store.scores_cache("nats-tss", dataset, settings.tag(), list(PROXIES))
    reps = sorted({space.canonical_key(a): space.representative(a) for a in space.all()}.items())
    reps = (reps[::-1] if reverse else reps)[shard::shards]
    done = 0
    t0 = time.time()
    for key, arch in reps:
        if time.time() > deadline:
            break
        if key in cache:
            continue
        cache[key] = scorer.compute(arch)
        done += 1
    store.close()
    with open(log, "a") as f:
        f.write(f"{dataset} shard {shard}/{shards}: {done} scored in {time.time() - t0:.1f}s\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--workers", type=int, default=12)
    ap.add_argument("--datasets", default="imagenet16-120,cifar10,cifar100")
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--reverse", action="store_true", help="walk the classes from the end (a second machine)")
    ap.add_argument("--seconds", type=float, default=480, help="stop starting new architectures after this")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    deadline = time.time() + args.seconds
    ctx = mp.get_context("spawn")
    for dataset in args.datasets.split(","):
        store = str(out / f"nats-tss-{dataset}.sqlite")
        procs = [
            ctx.Process(
                target=_worker,
                args=(i, args.workers, dataset, store, deadline, str(out / "log.txt"), args.device, args.reverse),
            )
            for i in range(args.workers)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        import sqlite3

        db = sqlite3.connect(store)
        n = db.execute("SELECT COUNT(DISTINCT arch_key) FROM scores").fetchone()[0]
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode=DELETE")
        db.close()
        print(f"{dataset}: {n} architectures in store, {deadline - time.time():.0f}s left", flush=True)


if __name__ == "__main__":
    main()
