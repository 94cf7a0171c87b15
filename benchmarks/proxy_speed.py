"""Architectures scored per second: a straightforward NASWOT + LogSynflow implementation vs zeronas's engine.

The FreeREA setting: 3 initialisations, batch 64, on a fixed seeded sample of NATS-Bench cells with the
CIFAR-10 sample images. The straightforward version does what the papers' reference code does (rebuild the
network for every initialisation, hook ReLUs and keep every code, concatenate them, two GEMMs and a float32
slogdet; deepcopy, BN removal, float64 and |θ| for every LogSynflow call) with torch's default threads. Both
use the same initialisation seeds and image batches, so their scores must agree to floating-point noise.

    python benchmarks/proxy_speed.py [--archs 50] [--seed 0] [--skip-pool]

How to read it: `arch/s` is wall-clock throughput; `ratio` is engine / straightforward; `max |diff|` is the
largest score disagreement (relative in brackets); `attainable` is a large channels-last 3x3 convolution's
GFLOP/s on this CPU, and `of attainable` is the engine's useful FLOPs (counted with torch.utils.flop_counter:
convolutions, linear layers, kernel GEMMs, forward and backward) per second against it.
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import random
import resource
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from zeronas.data.datasets import get_dataset, load_sample
from zeronas.executors import ScorerSpec, make_executor
from zeronas.proxies import init_weights
from zeronas.scoring.scorer import Scorer, ScoringSettings, init_seed
from zeronas.spaces import get_space

PROXIES = ("naswot", "logsynflow")


# --- the straightforward implementation --------------------------------------------------------------------
def reference_naswot(model: nn.Module, images: torch.Tensor) -> float:
    codes = []

    def keep_code(_module, _inputs, output):
        codes.append((output > 0).flatten(start_dim=1))

    hooks = [m.register_forward_hook(keep_code) for m in model.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        model(images)
    for h in hooks:
        h.remove()
    on = torch.cat(codes, dim=1).float()
    off = 1.0 - on
    kernel = on @ on.t() + off @ off.t()
    return torch.slogdet(kernel).logabsdet.item()


def reference_logsynflow(model: nn.Module, images: torch.Tensor) -> float:
    net = copy.deepcopy(model)

    def drop_bn(module):
        for name, child in module.named_children():
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(module, name, nn.Identity())
            else:
                drop_bn(child)

    drop_bn(net)
    net = net.double()
    with torch.no_grad():
        for p in net.state_dict().values():
            p.abs_()
    res = images.shape[-1]
    net(torch.ones(1, 3, res, res, dtype=torch.float64)).sum().backward()
    score = 0.0
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            score += (m.weight * torch.log1p(m.weight.grad.abs())).abs().sum().item()
    return score


def reference_scores(space, arch, num_classes, batches, seed) -> dict[str, float]:
    trials = {name: [] for name in PROXIES}
    for i, (images, _labels) in enumerate(batches):
        model = space.build_model(arch, num_classes).train()
        init_weights(model, torch.Generator().manual_seed(init_seed(seed, i)))
        trials["naswot"].append(reference_naswot(model, images))
        trials["logsynflow"].append(reference_logsynflow(model, images))
    return {name: sum(v) / len(v) for name, v in trials.items()}


# --- measurements ------------------------------------------------------------------------------------------
def sample_cells(space, n: int, seed: int) -> list:
    rng, cells = random.Random(seed), {}
    while len(cells) < n:
        arch = space.sample(rng)
        cells.setdefault(space.canonical_key(arch), space.representative(arch))
    return list(cells.values())


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def timed_cpu(fn):
    """(result, wall seconds, this process's CPU seconds): CPU time is less disturbed by other jobs."""
    c0 = time.process_time()
    out, wall = timed(fn)
    return out, wall, time.process_time() - c0


def attainable_gflops(threads: int, repeats: int = 5) -> float:
    """Best-of GFLOP/s of a 3x3, 128->128 channel convolution on 64 32x32 images (channels-last, fp32)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    conv = nn.Conv2d(128, 128, 3, padding=1, bias=False).to(memory_format=torch.channels_last)
    x = torch.randn(64, 128, 32, 32).contiguous(memory_format=torch.channels_last)
    flops = 2 * 64 * 128 * 128 * 9 * 32 * 32
    best = math.inf
    with torch.no_grad():
        conv(x)
        for _ in range(repeats):
            best = min(best, timed(lambda: conv(x))[1])
    torch.set_num_threads(before)
    return flops / best / 1e9


def engine_flops(scorer: Scorer, archs) -> int:
    with FlopCounterMode(display=False) as counter:
        for arch in archs:
            scorer.measure(arch)
    return counter.get_total_flops()


def max_diff(a: list[dict], b: list[dict]) -> str:
    parts = []
    for name in PROXIES:
        pairs = [(x[name], y[name]) for x, y in zip(a, b)]
        absolute = max(abs(x - y) for x, y in pairs)
        relative = max(abs(x - y) / max(abs(x), abs(y), 1e-300) for x, y in pairs)
        parts.append(f"{name} {absolute:.3g} ({relative:.2g})")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-pool", action="store_true", help="do not time the 2-worker process pool")
    parser.add_argument("--skip-threads", action="store_true", help="do not time the engine with 2 threads")
    parser.add_argument(
        "--reference-threads",
        type=int,
        default=0,
        help="torch threads of the straightforward version (default: torch's default)",
    )
    args = parser.parse_args()

    space, info = get_space("nats-tss"), get_dataset("cifar10")
    images, labels = load_sample(info)
    settings = ScoringSettings(inits=3, batch_size=64, seed=args.seed)
    archs = sample_cells(space, args.archs, args.seed)
    scorer = Scorer.create(space, info, list(PROXIES), images, labels, settings)
    if args.reference_threads:
        torch.set_num_threads(args.reference_threads)
    threads = torch.get_num_threads()
    print(
        f"{len(archs)} NATS-Bench cells, cifar10 sample, {settings.tag()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )

    reference, ref_s, ref_cpu = timed_cpu(
        lambda: [reference_scores(space, a, info.num_classes, scorer.batches, args.seed) for a in archs]
    )
    ref_rate = len(archs) / ref_s
    print(f"straightforward, {threads} torch thread(s): {ref_rate:6.3f} arch/s  ({ref_s:.1f} s, cpu {ref_cpu:.1f} s)")

    engine, eng_s, eng_cpu = timed_cpu(lambda: [scorer.measure(a).values for a in archs])
    eng_rate = len(archs) / eng_s
    print(
        f"engine, 1 process x 1 thread:     {eng_rate:6.3f} arch/s  ({eng_s:.1f} s, cpu {eng_cpu:.1f} s)  "
        f"ratio {eng_rate / ref_rate:.2f}x"
    )
    print(f"  max |diff| vs straightforward: {max_diff(reference, engine)}")
    best_rate = eng_rate

    if not args.skip_threads:
        scorer.threads = 2
        two, two_s, two_cpu = timed_cpu(lambda: [scorer.measure(a).values for a in archs])
        scorer.threads = 1
        print(
            f"engine, 1 process x 2 threads:    {len(archs) / two_s:6.3f} arch/s  "
            f"({two_s:.1f} s, cpu {two_cpu:.1f} s)  "
            f"ratio {len(archs) / two_s / ref_rate:.2f}x"
        )
        best_rate = max(best_rate, len(archs) / two_s)

    if not args.skip_pool:
        spec = ScorerSpec("nats-tss", "cifar10", PROXIES, settings)
        pool = make_executor(spec, "local", 2)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            _, start_s = timed(lambda: pool.compute(archs[:2]))  # spawns and warms both workers
            pooled, pool_s = timed(lambda: [s.values for s in pool.compute(archs)])
        finally:
            pool.close()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        pool_rate = len(archs) / pool_s
        print(
            f"engine, 2 workers x 1 thread:     {pool_rate:6.3f} arch/s  ({pool_s:.1f} s, after {start_s:.1f} s "
            f"start-up; workers' cpu {workers_cpu:.1f} s with start-up)  ratio {pool_rate / ref_rate:.2f}x"
        )
        print(f"  max |diff| vs engine in-process: {max_diff(engine, pooled)}")
        best_rate = max(best_rate, pool_rate)

    flops = engine_flops(scorer, archs) / len(archs)
    one, every = attainable_gflops(1), attainable_gflops(os.cpu_count() or 1)
    print(f"attainable conv throughput: {one:.1f} GFLOP/s on 1 core, {every:.1f} GFLOP/s on {os.cpu_count()} cores")
    print(
        f"engine useful work: {flops / 1e9:.2f} GFLOP per architecture, {flops * len(archs) / eng_cpu / 1e9:.1f} "
        f"GFLOP per CPU-second in-process = {flops * len(archs) / eng_cpu / 1e9 / one:.0%} of attainable on 1 core"
    )
    print(
        f"engine wall-clock rate: 1 process x 1 thread: "
        f"{flops * eng_rate / 1e9:.1f} GFLOP/s = {flops * eng_rate / 1e9 / one:.0%} of attainable on 1 core; "
        f"best: {flops * best_rate / 1e9:.1f} GFLOP/s = {flops * best_rate / 1e9 / every:.0%} of attainable "
        f"on {os.cpu_count()} cores"
    )
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
