"""AZ-NAS's three network proxies (Lee & Ham, CVPR 2024, 'AZ-NAS: Assembling Zero-Cost Proxies for Network
Architecture Search'): expressivity, progressivity and trainability, all read off one forward pass and one
Jacobian-vector product per block of the same initialised network.

Definitions (f_0 .. f_L: the feature maps at the block boundaries, see "Blocks" below)
-----------------------------------------------------------------------------------
* Per-block isotropy: f_l (B×C×H×W) is read as B·H·W samples of a C-vector, centred; Σ = XᵀX / (B·H·W);
  λ = eigenvalues of Σ, p = λ / Σλ; s_E(l) = -Σ_c p_c · log(p_c + 1e-8) (entropy of the normalised spectrum,
  at most log C: every direction of feature space equally used).
* az_expressivity = Σ_{l=0..L} s_E(l).
* az_progressivity = min_{l=1..L} [s_E(l) - s_E(l-1)]: the smallest gain of isotropy from one block to the
  next (a block that makes features less expressive is punished).
* Trainability: for each block l = L..1 a Rademacher vector v (±1, shape of f_l) is drawn and
  u = (∂f_l/∂f_{l-1})ᵀ v is taken by autograd. Where the block downsamples, u (B×C'×sH×sW) is rearranged by
  pixel-unshuffle with factor s to B×(C's²)×H×W. With u and v as (B·H·W)-row matrices,
  M = uᵀ v / (B·H·W) ≈ the block Jacobian (E[v vᵀ] = I), σ_l = largest singular value of M, and
  s_T(l) = -σ_l - 1/(σ_l + 1e-6) + 2 (= -(√σ - 1/√σ)², 0 at σ = 1: gradients neither explode nor vanish).
  az_trainability = mean_l s_T(l).
* The fourth AZ-NAS proxy, complexity, is the network's FLOPs (the registry's arch proxy `flops`), and the
  AZ-NAS score is Σ over the four of log(rank / N) within the population (the `log-rank` combiner).

Setting, as in the reference: input x ~ N(0, 1) of the batch's shape (B = 64 with the engine's default batch:
the authors score AZ-NAS on Gaussian noise, not on images; real images are only used by their real-input
proxies), conv/linear weights Kaiming-normal fan_in, BN biases 0 and weights 1, BN in train mode (batch
statistics), fp32 forward.

Reference code read (github.com/cvlab-yonsei/AZ-NAS)
---------------------------------------------------
NB201/ZeroShotProxy/compute_az_nas_score.py and NATSBench/ZeroShotProxy/compute_az_nas_score.py (the
definitions above; identical to each other), ImageNet_MBV2/ZeroShotProxy/compute_az_nas_score.py (the same,
plus complexity = model.get_FLOPs), NB201/custom/tss_model.py (`extract_cell_features`: the stem output then
the output of every cell, reduction blocks included, not the final BN-ReLU: 18 features for N = 5),
ImageNet_MBV2/Masternet.py (`extract_layer_features_and_logit`: the output of every ReLU block of the
Zen-NAS MobileNetV2 space: the stem, every inverted-residual block, the head), NB201/tss_general.ipynb (AZ-NAS
gets `trainloader=None`, i.e. torch.randn input, batch size of the loader: 64; aggregation
Σ log(rankdata(score)/N) with FLOPs as the fourth term).

Blocks (one rule for every space here)
--------------------------------------
The network's top-level children are walked in order. A child that is a container (Sequential/ModuleList)
of composite modules is a body, and each of its composite members is a block (NATS `cells`: every cell,
convolution-free ones included, and both residual reduction blocks; NAS-Bench-101 `cells`: every cell, not the
parameter-free max-pools between stacks; mobilenet-like `blocks`: every inverted residual); any other child
is a block if it contains a convolution (the stems, the mobilenet-like head; not NATS's final BN-ReLU, the
pooling or the classifier). The features are the blocks' outputs in the order they run. NATS: stem + 17 =
18 (as the reference); NAS-Bench-101: stem + 9 (the 2×2 max-pools between stacks fold into the next cell's
Jacobian); mobilenet-like: stem + blocks + head. A block that does not run exactly once per forward pass, or
does not output an N×C×H×W map, is an error (ValueError), not a degeneracy.

Deviations
----------
* Weights: the engine's networks arrive Kaiming-normal fan_out (init_weights); each conv/linear weight is
  multiplied by √(fan_out/fan_in), which turns that draw into exactly the reference's fan_in distribution
  (the network itself is not modified: the scaled weights are passed with torch.func.functional_call). Only
  convs not followed by a BN (NATS's 1×1 shortcut in the reduction blocks) are affected at all.
* Randomness (the Gaussian input and the Rademacher vectors) comes from a generator seeded by the network's
  weights (grads.fingerprint_generator), so a value repeats bit for bit for the same initialisation.
* Covariances, eigenvalues and singular values in float64 (the reference: float32), eigenvalues clipped at 0.
* NaN instead of the reference's -inf: a constant (all-zero) feature map makes s_E undefined (0/0; e.g. a
  NATS cell with no path from its input), so expressivity and progressivity raise Degenerate; a block whose
  Jacobian is exactly the identity (the reference's `g_in == g_out` test, s_T = -inf; e.g. a NATS cell that is
  one skip edge) makes trainability raise Degenerate. A block whose output does not depend on its input gets
  a zero Jacobian (σ = 0, s_T ≈ -1e6, finite, as in the reference).
* MobileNet-like blocks end in a linear bottleneck (MobileNetV2), so their features are taken before any ReLU
  (Zen-NAS's space, which the reference scores, puts a ReLU after each block).
"""

from __future__ import annotations

import hashlib
import math
import weakref
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zeronas.proxies.base import Degenerate, ProxyInput
from zeronas.proxies.grads import fingerprint_generator, forward_hooks, preserved

EPS_LOG = 1e-8  # inside the entropy's log, as the reference
EPS_SIGMA = 1e-6  # in 1/(σ + ε), as the reference
CONTAINERS = (nn.Sequential, nn.ModuleList)


@dataclass(frozen=True)
class BlockStats:
    """What the three proxies read, for one network and initialisation."""

    entropies: tuple[float, ...]  # s_E of f_0 .. f_L; NaN where the feature map is constant
    spectral_norms: tuple[float, ...]  # σ_l of blocks 1 .. L (forward order)
    identity_blocks: tuple[int, ...]  # blocks l whose Jacobian is exactly the identity


def _has_conv(module: nn.Module) -> bool:
    return any(isinstance(m, nn.Conv2d) for m in module.modules())


def blocks(model: nn.Module) -> list[nn.Module]:
    """The modules whose outputs are the block features (see the module docstring), in registration order."""
    points: list[nn.Module] = []
    for child in model.children():
        members = list(child.children()) if isinstance(child, CONTAINERS) else []
        composite = [m for m in members if next(m.children(), None) is not None]
        if composite:
            points += composite
        elif _has_conv(child):
            points.append(child)
    if len(points) < 2:
        raise ValueError(f"AZ-NAS needs at least 2 convolutional blocks, found {len(points)} in {type(model).__name__}")
    return points


def _fan_in_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """Conv/linear weights rescaled from Kaiming fan_out to Kaiming fan_in (std ∝ 1/√fan)."""
    out = {}
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(m.weight)
            out[f"{name}.weight" if name else "weight"] = m.weight * math.sqrt(fan_out / fan_in)
    return out


def _entropy(feature: torch.Tensor) -> float:
    c = feature.shape[1]
    x = feature.detach().double().movedim(1, -1).reshape(-1, c)
    x = x - x.mean(dim=0, keepdim=True)
    s = torch.linalg.eigvalsh(x.T @ x / x.shape[0]).clamp_min(0.0)
    total = float(s.sum())
    if not (math.isfinite(total) and total > 0):
        return math.nan
    p = s / total
    return float(-(p * torch.log(p + EPS_LOG)).sum())


def _rows(t: torch.Tensor) -> torch.Tensor:
    return t.double().movedim(1, -1).reshape(-1, t.shape[1])


def _spectral_norm(u: torch.Tensor, v: torch.Tensor) -> float:
    """σ_max of uᵀv / rows, u = Jᵀv at the block input (pixel-unshuffled to v's grid), v at its output."""
    (hi, wi), (ho, wo) = u.shape[2:], v.shape[2:]
    if (hi, wi) != (ho, wo):
        s = hi // ho
        if s < 1 or (hi, wi) != (s * ho, s * wo):
            raise ValueError(f"AZ-NAS trainability: a block maps {hi}×{wi} to {ho}×{wo}, not a whole downsampling")
        u = F.pixel_unshuffle(u, s)
    mat = _rows(u).T @ _rows(v) / (v.shape[0] * ho * wo)
    return float(torch.linalg.matrix_norm(mat, ord=2))


def block_stats(model: nn.Module, x: torch.Tensor, generator: torch.Generator) -> BlockStats:
    """Block features of `model` on input x (reference weights, BN in train mode) and their statistics; the
    network is left as it was (weights, BN running statistics, modes, .grad)."""
    points = blocks(model)
    feats: list[tuple[nn.Module, torch.Tensor]] = []
    with forward_hooks(points, lambda mod, _i, out: feats.append((mod, out))), preserved(model), torch.enable_grad():
        model.train()
        torch.func.functional_call(model, _fan_in_weights(model), (x.requires_grad_(True),), strict=False)
        fired = [mod for mod, _ in feats]
        if sorted(map(id, fired)) != sorted(map(id, points)):
            raise ValueError("AZ-NAS: every block must run exactly once per forward pass")
        features = [out for _, out in feats]
        if any(not torch.is_tensor(f) or f.dim() != 4 for f in features):
            raise ValueError("AZ-NAS: every block must output an N×C×H×W feature map")
        entropies = tuple(_entropy(f) for f in features)
        norms: dict[int, float] = {}
        identity = []
        for i in reversed(range(1, len(features))):  # the reference's order (it fixes the random draws)
            f_in, f_out = features[i - 1], features[i]
            v = torch.randint(0, 2, f_out.shape, generator=generator).to(f_out) * 2 - 1
            (u,) = torch.autograd.grad(f_out, f_in, grad_outputs=v, retain_graph=True, allow_unused=True)
            u = torch.zeros_like(f_in) if u is None else u.detach()
            if u.shape == v.shape and torch.equal(u, v):
                identity.append(i)
                continue
            norms[i] = _spectral_norm(u, v)
    return BlockStats(entropies, tuple(norms[i] for i in sorted(norms)), tuple(sorted(identity)))


_last: list = []  # (model ref, images ref, weights digest, BlockStats): the pass of the current init


def _digest(model: nn.Module) -> bytes:
    h = hashlib.sha1()
    for p in model.parameters():
        h.update(p.detach().cpu().numpy().tobytes())
    return h.digest()


def shared_stats(inp: ProxyInput) -> BlockStats:
    """The block statistics for this network, initialisation and batch shape, computed once and shared by
    the three proxies (the engine runs them one after another on the same network)."""
    model, images = inp.model, inp.images
    digest = _digest(model)
    if _last and _last[0]() is model and _last[1]() is images and _last[2] == digest:
        return _last[3]
    gen = fingerprint_generator(model)
    x = torch.randn(images.shape, generator=gen).to(device=images.device, dtype=images.dtype)
    stats = block_stats(model, x, gen)
    _last[:] = [weakref.ref(model), weakref.ref(images), digest, stats]
    return stats


def _checked_entropies(stats: BlockStats) -> np.ndarray:
    e = np.array(stats.entropies)
    bad = np.flatnonzero(~np.isfinite(e))
    if bad.size:
        raise Degenerate(f"constant feature map at block {int(bad[0])} (isotropy undefined)")
    return e


def az_expressivity(inp: ProxyInput) -> float:
    """Σ over block features of the entropy of the normalised covariance spectrum."""
    return float(_checked_entropies(shared_stats(inp)).sum())


def az_progressivity(inp: ProxyInput) -> float:
    """The smallest increase of that entropy from one block to the next."""
    return float(np.diff(_checked_entropies(shared_stats(inp))).min())


def az_trainability(inp: ProxyInput) -> float:
    """Mean over blocks of -σ - 1/σ + 2, σ the spectral norm of the block Jacobian (random-vector estimate)."""
    stats = shared_stats(inp)
    if stats.identity_blocks:
        raise Degenerate(f"block {stats.identity_blocks[0]} is the identity map (trainability -inf)")
    sigma = np.array(stats.spectral_norms)
    if not np.isfinite(sigma).all():
        raise Degenerate("non-finite block Jacobian")
    return float(np.mean(-sigma - 1.0 / (sigma + EPS_SIGMA) + 2.0))
