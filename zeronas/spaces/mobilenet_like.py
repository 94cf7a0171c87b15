"""A MobileNetV2-like macro search space (the one Zen-NAS, ZiCo and AZ-NAS search), with CIFAR-style strides.

Network: a 3×3 stem conv (stride 1) + BN + ReLU; five stages with strides (1, 2, 2, 2, 1), each of 1–4
inverted-residual blocks with their own expansion e ∈ {1, 2, 4, 6} and depthwise kernel k ∈ {3, 5, 7}; a 1×1
head conv + BN + ReLU, global average pooling and a linear classifier. Genes: the stem width, each stage's
width and blocks, and the head width (all multiples of 8).

String form: `stem16/c16:e1k3/c24:e6k3,e6k5/c40:e4k5,e4k5,e4k5/c80:e6k3,e6k3/c112:e6k7/head512`.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from zeronas.errors import ZeronasError
from zeronas.spaces.base import SpaceCapabilities

if TYPE_CHECKING:  # torch is imported only when a network is built
    from torch import nn

STRIDES = (1, 2, 2, 2, 1)
EXPANSIONS = (1, 2, 4, 6)
KERNELS = (3, 5, 7)
DEPTHS = (1, 4)  # blocks per stage, inclusive
WIDTH_STEP = 8
STEM_WIDTHS = (8, 32)  # inclusive ranges of multiples of WIDTH_STEP
STAGE_WIDTHS = ((8, 48), (16, 96), (24, 160), (32, 256), (48, 320))
HEAD_WIDTHS = (128, 1280)
PARAMS_RANGE = (1e5, 5e6)
BUDGET_CLASSES = 10  # the class count the params budget is measured with
MAX_TRIES = 100  # bounded retries of mutate / crossover / sample per call
EXAMPLE = "stem16/c16:e1k3/c24:e6k3,e6k5/c40:e4k5,e4k5,e4k5/c80:e6k3,e6k3/c112:e6k7/head512"

Block = tuple[int, int]  # (expansion, kernel)
Stage = tuple[int, tuple[Block, ...]]  # (output width, blocks)
Arch = tuple[int, tuple[Stage, ...], int]  # (stem width, 5 stages, head width)

_NUM = r"([1-9][0-9]*)"
_STEM = re.compile(rf"stem{_NUM}")
_HEAD = re.compile(rf"head{_NUM}")
_STAGE = re.compile(rf"c{_NUM}:(.*)")
_BLOCK = re.compile(rf"e{_NUM}k{_NUM}")


def _bad(text: str, problem: str) -> ZeronasError:
    return ZeronasError(
        f"malformed mobilenet-like architecture {text!r}: {problem}; expected "
        f"stem<width>/c<width>:e<expansion>k<kernel>,.../(5 stages)/head<width>, like {EXAMPLE}"
    )


def _widths(bounds: tuple[int, int]) -> tuple[int, ...]:
    return tuple(range(bounds[0], bounds[1] + 1, WIDTH_STEP))


def _check_width(text: str, what: str, width: int, bounds: tuple[int, int]) -> int:
    if width % WIDTH_STEP or not bounds[0] <= width <= bounds[1]:
        raise _bad(text, f"{what} width {width} must be a multiple of {WIDTH_STEP} in {bounds[0]}..{bounds[1]}")
    return width


def _side(side: int, kernel: int, stride: int) -> int:
    return (side + 2 * (kernel // 2) - kernel) // stride + 1


def network_costs(arch: Arch, num_classes: int, resolution: int) -> tuple[int, int]:
    """(trainable parameters, multiply-adds of convs and linears for one image) of MobileNetLike, in closed
    form: what count_params and count_flops measure on the built network (tested equal), without building it."""
    stem, stages, head = arch
    params = 27 * stem + 2 * stem  # 3×3 conv from 3 channels + BN
    flops = 27 * stem * resolution**2
    c, side = stem, resolution
    for (width, blocks), stage_stride in zip(stages, STRIDES):
        for i, (e, k) in enumerate(blocks):
            hidden = c * e
            if e != 1:  # 1×1 expansion + BN
                params += c * hidden + 2 * hidden
                flops += c * hidden * side**2
            side = _side(side, k, stage_stride if i == 0 else 1)
            params += k * k * hidden + 2 * hidden  # depthwise + BN
            params += hidden * width + 2 * width  # 1×1 projection + BN
            flops += (k * k * hidden + hidden * width) * side**2
            c = width
    params += c * head + 2 * head + head * num_classes + num_classes  # head conv + BN, classifier
    flops += c * head * side**2 + head * num_classes
    return params, flops


class MobileNetLikeSpace:
    name = "mobilenet-like"
    capabilities = SpaceCapabilities(datasets=("cifar10", "cifar100", "imagenet16-120"), closed_form_costs=True)
    strides = STRIDES
    expansions = EXPANSIONS
    kernels = KERNELS

    def __init__(self, params_range: tuple[float, float] = PARAMS_RANGE):
        low, high = params_range
        if not 0 <= low < high:
            raise ZeronasError(f"mobilenet-like params_range must be 0 <= low < high, got {params_range}")
        self.params_range = (low, high)
        # the budget's upper end bounds every network it samples: the scale of size priors (swap_reg)
        self.capabilities = replace(type(self).capabilities, largest_params_m=high / 1e6)

    # -- strings -----------------------------------------------------------------------------------------------

    def parse(self, text: str) -> Arch:
        text = str(text).strip()
        parts = text.split("/")
        if len(parts) != len(STRIDES) + 2:
            raise _bad(text, f"expected 7 '/'-separated parts (stem, 5 stages, head), got {len(parts)}")
        stem_match, head_match = _STEM.fullmatch(parts[0]), _HEAD.fullmatch(parts[-1])
        if not stem_match:
            raise _bad(text, f"first part {parts[0]!r} should read stem<width>")
        if not head_match:
            raise _bad(text, f"last part {parts[-1]!r} should read head<width>")
        stem = _check_width(text, "stem", int(stem_match[1]), STEM_WIDTHS)
        head = _check_width(text, "head", int(head_match[1]), HEAD_WIDTHS)
        stages = []
        for number, (part, bounds) in enumerate(zip(parts[1:-1], STAGE_WIDTHS), start=1):
            match = _STAGE.fullmatch(part)
            if not match:
                raise _bad(text, f"stage {number} {part!r} should read c<width>:e<expansion>k<kernel>,...")
            width = _check_width(text, f"stage {number}", int(match[1]), bounds)
            genes = match[2].split(",")
            if not DEPTHS[0] <= len(genes) <= DEPTHS[1]:
                raise _bad(text, f"stage {number} has {len(genes)} blocks, expected {DEPTHS[0]}..{DEPTHS[1]}")
            blocks = []
            for gene in genes:
                block = _BLOCK.fullmatch(gene)
                if not block:
                    raise _bad(text, f"block {gene!r} in stage {number} should read e<expansion>k<kernel>")
                e, k = int(block[1]), int(block[2])
                if e not in EXPANSIONS:
                    raise _bad(text, f"unknown expansion e{e} (known: {', '.join(f'e{x}' for x in EXPANSIONS)})")
                if k not in KERNELS:
                    raise _bad(text, f"unknown kernel k{k} (known: {', '.join(f'k{x}' for x in KERNELS)})")
                blocks.append((e, k))
            stages.append((width, tuple(blocks)))
        return stem, tuple(stages), head

    def format(self, arch: Arch) -> str:
        stem, stages, head = arch
        body = "/".join(f"c{w}:" + ",".join(f"e{e}k{k}" for e, k in blocks) for w, blocks in stages)
        return f"stem{stem}/{body}/head{head}"

    # -- budget ------------------------------------------------------------------------------------------------

    def in_budget(self, arch: Arch) -> bool:
        """Whether arch's parameter count (with BUDGET_CLASSES classes) lies inside params_range."""
        params = network_costs(arch, BUDGET_CLASSES, 32)[0]
        return self.params_range[0] <= params <= self.params_range[1]

    # -- moves -------------------------------------------------------------------------------------------------

    def _random(self, rng: random.Random) -> Arch:
        stem = rng.choice(_widths(STEM_WIDTHS))
        stages = tuple(
            (
                rng.choice(_widths(bounds)),
                tuple((rng.choice(EXPANSIONS), rng.choice(KERNELS)) for _ in range(rng.randint(*DEPTHS))),
            )
            for bounds in STAGE_WIDTHS
        )
        return stem, stages, rng.choice(_widths(HEAD_WIDTHS))

    def sample(self, rng: random.Random) -> Arch:
        """Uniformly random genes, rejection-sampled into params_range (uniform over the in-budget ones)."""
        for _ in range(100 * MAX_TRIES):
            arch = self._random(rng)
            if self.in_budget(arch):
                return arch
        raise ZeronasError(f"mobilenet-like: no architecture sampled inside params_range {self.params_range}")

    def _one_change(self, arch: Arch, rng: random.Random) -> Arch:
        """One small random change; always valid and different from arch."""
        stem, stages, head = arch
        si = rng.randrange(len(stages))
        width, blocks = stages[si]
        moves = ["block", "stem", "head", "width"]
        if len(blocks) < DEPTHS[1]:
            moves.append("add")
        if len(blocks) > DEPTHS[0]:
            moves.append("remove")
        move = rng.choice(moves)
        if move in ("stem", "head", "width"):
            value, bounds = {"stem": (stem, STEM_WIDTHS), "head": (head, HEAD_WIDTHS)}.get(
                move, (width, STAGE_WIDTHS[si])
            )
            options = [v for v in (value - WIDTH_STEP, value + WIDTH_STEP) if bounds[0] <= v <= bounds[1]]
            value = rng.choice(options)
            if move == "stem":
                return value, stages, head
            if move == "head":
                return stem, stages, value
            new_stage = (value, blocks)
        elif move == "block":
            bi = rng.randrange(len(blocks))
            e, k = blocks[bi]
            if rng.random() < 0.5:
                e = rng.choice([x for x in EXPANSIONS if x != e])
            else:
                k = rng.choice([x for x in KERNELS if x != k])
            new_stage = (width, blocks[:bi] + ((e, k),) + blocks[bi + 1 :])
        elif move == "add":
            bi = rng.randint(0, len(blocks))
            new_stage = (width, blocks[:bi] + ((rng.choice(EXPANSIONS), rng.choice(KERNELS)),) + blocks[bi:])
        else:  # remove
            bi = rng.randrange(len(blocks))
            new_stage = (width, blocks[:bi] + blocks[bi + 1 :])
        return stem, stages[:si] + (new_stage,) + stages[si + 1 :], head

    def mutate(self, arch: Arch, rng: random.Random) -> Arch:
        """One small change (a block's e or k, a stage width or the stem/head width by one step of 8, one block
        added or removed) that keeps params inside params_range. After MAX_TRIES changes that all leave the
        range, the last one is returned anyway: a valid architecture that differs from arch by one change."""
        child = arch
        for _ in range(MAX_TRIES):
            child = self._one_change(arch, rng)
            if self.in_budget(child):
                return child
        return child

    def crossover(self, a: Arch, b: Arch, rng: random.Random) -> Arch:
        """Each stage whole from a or b, the stem and head from either; retried until params lie inside
        params_range, and after MAX_TRIES failures one of the parents (one inside the range if either is)."""
        for _ in range(MAX_TRIES):
            child = (
                rng.choice((a[0], b[0])),
                tuple(rng.choice(pair) for pair in zip(a[1], b[1])),
                rng.choice((a[2], b[2])),
            )
            if self.in_budget(child):
                return child
        inside = [p for p in (a, b) if self.in_budget(p)]
        return rng.choice(inside or [a, b])

    # -- identity and costs ------------------------------------------------------------------------------------

    def canonical_key(self, arch: Arch) -> str:
        return self.format(arch)

    def representative(self, arch: Arch) -> Arch:
        return arch

    def smallest(self) -> Arch:
        """All widths at their minimum, one e1k3 block per stage (may lie below params_range)."""
        stages = tuple((bounds[0], ((EXPANSIONS[0], KERNELS[0]),)) for bounds in STAGE_WIDTHS)
        return STEM_WIDTHS[0], stages, HEAD_WIDTHS[0]

    def build_model(self, arch: Arch, num_classes: int) -> nn.Module:
        return _classes()["MobileNetLike"](arch, num_classes)

    def network_costs(self, arch: Arch, num_classes: int, resolution: int) -> tuple[int, int]:
        return network_costs(arch, num_classes, resolution)


@cache
def _classes() -> dict[str, type]:
    """The torch modules, defined on first use so that importing this module does not import torch."""
    import torch
    from torch import nn

    class InvertedResidual(nn.Module):
        """MobileNetV2 block: [1×1 expand + BN + ReLU] → k×k depthwise + BN + ReLU → 1×1 project + BN (+ x)."""

        def __init__(self, c_in: int, c_out: int, expansion: int, kernel: int, stride: int):
            super().__init__()
            hidden = c_in * expansion
            layers: list[nn.Module] = []
            if expansion != 1:
                layers += [nn.Conv2d(c_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU()]
            layers += [
                nn.Conv2d(hidden, hidden, kernel, stride, kernel // 2, groups=hidden, bias=False),
                nn.BatchNorm2d(hidden),
                nn.ReLU(),
                nn.Conv2d(hidden, c_out, 1, bias=False),
                nn.BatchNorm2d(c_out),
            ]
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and c_in == c_out

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.body(x)
            return x + out if self.residual else out

    class MobileNetLike(nn.Module):
        def __init__(self, arch: Arch, num_classes: int):
            super().__init__()
            stem, stages, head = arch
            self.stem = nn.Sequential(nn.Conv2d(3, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU())
            blocks: list[nn.Module] = []
            c = stem
            for (width, genes), stride in zip(stages, STRIDES):
                for i, (e, k) in enumerate(genes):
                    blocks.append(InvertedResidual(c, width, e, k, stride if i == 0 else 1))
                    c = width
            self.blocks = nn.Sequential(*blocks)
            self.head = nn.Sequential(nn.Conv2d(c, head, 1, bias=False), nn.BatchNorm2d(head), nn.ReLU())
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.classifier = nn.Linear(head, num_classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.head(self.blocks(self.stem(x)))
            return self.classifier(self.pool(x).flatten(1))

    classes = {"InvertedResidual": InvertedResidual, "MobileNetLike": MobileNetLike}
    for name, cls in classes.items():  # importable by name (pickle), through the module __getattr__ below
        cls.__module__, cls.__qualname__ = __name__, name
    return classes


def __getattr__(name: str):
    if name in ("InvertedResidual", "MobileNetLike"):
        return _classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
