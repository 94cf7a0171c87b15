"""How far scores on another torch device are from the CPU's: every proxy on a few seeded cells.

    python benchmarks/device_agreement.py [--device cuda] [--inits 1]

Scores 4 NATS-Bench cells (all proxies) and 2 NAS-Bench-101 cells (the FreeREA proxies and costs) on the
CPU and on --device, from the same weights, and prints the largest relative difference per proxy.
"""

from __future__ import annotations

import argparse
import math
import random

import torch

from zeronas.data.datasets import get_dataset, load_images
from zeronas.proxies import PROXIES
from zeronas.scoring.scorer import Scorer, ScoringSettings
from zeronas.spaces import get_space

CELLS = (
    ("nats-tss", 4, list(PROXIES)),
    ("nasbench101", 2, ["naswot", "logsynflow", "synflow", "skip", "flops", "params"]),
)


def scores(device: str, inits: int) -> dict[tuple[str, str], dict[str, float]]:
    info = get_dataset("cifar10")
    images, labels = load_images(info, None, None)
    out = {}
    for space_name, count, proxies in CELLS:
        space = get_space(space_name)
        scorer = Scorer.create(space, info, proxies, images, labels, ScoringSettings(inits=inits, device=device))
        rng = random.Random(3)
        for _ in range(count):
            arch = space.sample(rng)
            out[space_name, space.format(arch)] = scorer.measure(arch).values
    return out


def relative(x: float, y: float) -> float:
    if math.isnan(x) or math.isnan(y):
        return 0.0 if math.isnan(x) and math.isnan(y) else math.inf
    return abs(x - y) / max(abs(x), 1e-12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--inits", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cpu, other = scores("cpu", args.inits), scores(args.device, args.inits)
    worst: dict[str, float] = {}
    for cell, values in cpu.items():
        for name, value in values.items():
            worst[name] = max(worst.get(name, 0.0), relative(value, other[cell][name]))
    where = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else args.device
    print(f"{len(cpu)} cells, cpu vs {args.device} ({where}), torch {torch.__version__}")
    for name, d in sorted(worst.items()):
        print(f"{name:12s} max relative |cpu - {args.device}| = {d:.2e}")


if __name__ == "__main__":
    main()
