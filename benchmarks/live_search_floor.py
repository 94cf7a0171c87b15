"""A floor on the wall time of a live 300-cell FreeREA search on NATS-Bench CIFAR-10 with FreeREA's scores.

    python benchmarks/live_search_floor.py [--seed 0] [--budget 300] [--repeats 5]
    python benchmarks/live_search_floor.py --space nasbench101 --sample 50   # per cell, on a uniform sample

A live search scores exactly the networks its tabular replay scores (the packaged table holds the same
settings' scores, so the picks are the same; tests/test_tabular_bench.py checks this). So: replay the search,
then, for every network it scores, list the convolutions NASWOT runs (forward, 64 images, 3
initialisations) and time each distinct convolution shape on this CPU (fp32, channels-last, one thread, no
gradients, best of --repeats). The sum over the networks, halved for two cores, is a floor on the live
search's wall time: convolutions alone, at the rate this CPU reaches on exactly these shapes, with perfect
two-core scaling and everything else (BatchNorm, additions, the NASWOT kernels, LogSynflow, building the
networks) free. Scores must stay the same (to 1e-6), so lower precision, fewer images or fewer
initialisations are not allowed.

On NAS-Bench-101 (too large to tabulate) the networks are a seeded uniform sample instead, and the floor is
given per network: `--seed 1 --sample 8` draws the cells `benchmarks/nasbench101_speed.py` times.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from collections import Counter

import torch
from torch import nn

from zeronas.data.datasets import get_dataset
from zeronas.hardware.device import keep_freed_memory
from zeronas.spaces import get_space
from zeronas.study import SearchConfig, Study

IMAGES, INITS = 64, 3


def conv_shapes(model: nn.Module, resolution: int) -> Counter:
    """(in, out, kernel, stride, padding, groups, input size) of every convolution a forward pass runs."""
    found: Counter = Counter()

    def record(module, inputs, _output):
        x = inputs[0]
        found[
            (
                module.in_channels,
                module.out_channels,
                module.kernel_size[0],
                module.stride[0],
                module.padding[0],
                module.groups,
                x.shape[-1],
            )
        ] += 1

    handles = [m.register_forward_hook(record) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, resolution, resolution))
    for h in handles:
        h.remove()
    return found


def seconds_per_call(shape: tuple, repeats: int) -> tuple[float, float]:
    """Best-of seconds of one convolution of this shape on IMAGES images, and its FLOPs."""
    c_in, c_out, k, stride, pad, groups, size = shape
    conv = nn.Conv2d(c_in, c_out, k, stride, pad, groups=groups, bias=False).to(memory_format=torch.channels_last)
    x = torch.randn(IMAGES, c_in, size, size).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        out = conv(x)
        best = math.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            conv(x)
            best = min(best, time.perf_counter() - t0)
    flops = 2 * out.numel() * (c_in // groups) * k * k
    return best, flops


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--space", default="nats-tss")
    ap.add_argument("--sample", type=int, default=50, help="networks drawn, on a space without a score table")
    args = ap.parse_args()
    torch.set_num_threads(1)
    keep_freed_memory()  # as the engine does: large outputs reuse freed memory instead of fresh mappings
    print(f"load average {os.getloadavg()[0]:.2f} at start; torch {torch.__version__}, 1 thread per timing")
    if args.space == "nats-tss":
        with Study(SearchConfig(dataset="cifar10", tabular=True, budget=args.budget)) as study:
            result = study.run(seed=args.seed)
            space, classes = study.space, study.info.num_classes
            networks = {space.canonical_key(h.arch): space.representative(h.arch) for h in result.problem.history}
        print(f"FreeREA seed {args.seed}, budget {args.budget}: {len(networks)} networks scored, found {result.arch}")
    else:
        space, classes, rng = get_space(args.space), get_dataset("cifar10").num_classes, random.Random(args.seed)
        networks = {str(i): space.sample(rng) for i in range(args.sample)}
        print(f"{args.space}: {len(networks)} networks drawn uniformly (seed {args.seed})")
    calls: Counter = Counter()
    for arch in networks.values():
        calls.update(conv_shapes(space.build_model(arch, classes), 32))
    timing = {shape: seconds_per_call(shape, args.repeats) for shape in calls}
    conv_s = INITS * sum(n * timing[s][0] for s, n in calls.items())
    conv_flops = INITS * sum(n * timing[s][1] for s, n in calls.items())
    print(f"{len(calls)} distinct convolution shapes; NASWOT's convolutions: {conv_flops / 1e12:.2f} TFLOP")
    for shape, n in calls.most_common(8):
        s, f = timing[shape]
        print(f"  {shape}: {n} calls, {f / s / 1e9:.1f} GFLOP/s")
    print(f"rate over all of them: {conv_flops / conv_s / 1e9:.1f} GFLOP/s on one core")
    print(
        f"floor: {conv_s:.1f} s of convolutions on one core = {conv_s / 2:.1f} s of wall time on two "
        f"({conv_s / 2 / len(networks):.3f} s per network), before anything else"
    )


if __name__ == "__main__":
    main()
