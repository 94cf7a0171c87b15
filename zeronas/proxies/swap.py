"""SWAP (Peng et al., ICLR 2024, "SWAP-NAS: Sample-Wise Activation Patterns for Ultra-fast NAS").

Definition, as the authors' code computes it (pym1024/SWAP, src/metrics/swap.py, driven by correlation.py):

* A forward hook on every `nn.ReLU` module whose input is a 4-D feature map (ReLUs after linear layers do
  not count) keeps its *output* (post-activation); every call of such a module counts.
* The outputs of one forward pass of a batch of S real images are flattened per image and concatenated:
  an S×U matrix, U the number of ReLU units (channel × position) in the whole network; `sign` turns it into
  0/1 codes (a ReLU output is ≥ 0, so sign(out) = [pre-activation > 0]).
* Transposed, each unit has a sample-wise activation pattern: the length-S 0/1 vector of its states over
  the batch. SWAP = the number of *distinct* patterns (`torch.unique(codes.T, dim=0).size(0)`), so
  1 ≤ SWAP ≤ min(U, 2^S).
* S = 16 (`--input_samples 16`), real training images (CIFAR-10 there), BatchNorm in train mode (the
  network is never put in eval mode: batch statistics), no gradients. The reference re-initialises the
  network with N(0, 1) weights 32 times and averages; here the caller's initialisation is used and the
  averaging over initialisations is the scorer's.

Regularised SWAP (the paper's model-size control; `cal_regular_factor` in the same file):
    swap_reg = SWAP · exp(-(Θ - μ)² / σ),   Θ = number of parameters.
The reference function takes Θ in *thousands* (`count_parameters` divides by 1e3) and has no default μ, σ
(both None: the factor is 1 unless the caller passes them); correlation.py does not use the regularised
form. Here Θ is in *millions*, and μ, σ are our choice, not the authors': on NATS-TSS μ = σ = 1.5 (MU,
SIGMA), which peaks at the space's largest cell (1.53 M parameters on CIFAR-10), so the factor is a
monotone size prior, as the paper uses it. Other spaces scale that prior to their own largest network
(`SpaceCapabilities.largest_params_m`, L): μ = 1.5·r, σ = 1.5·r², r = L / 1.531546, so the factor is the
same function of Θ/L everywhere (r = 1 on NATS-TSS: its values are unchanged). Version 1 used the NATS
constants in every space; on NAS-Bench-101 (0.2-50 M parameters) the factor underflowed to 0 above ~34 M.

Scale: correlation.py scores a *thin* network (DARTS `Network(C=3, layers=1)`: one cell, 3 initial
channels). On the full-width networks scored here U is 10^5-10^6, so the count crowds towards 2^16 = 65,536
(NATS-TSS cells with several convolutions: ~51,000-65,000; the C=3 one-cell-per-stage twin: ~3,500-10,000).

Implementation (not the reference's): each unit's pattern is packed into one integer (bit i = sample i),
and the distinct integers are counted, which gives the same count as `torch.unique(..., dim=0)` on the
S×U float matrix without building it. Reference files read: src/metrics/swap.py, correlation.py,
src/utils/utilities.py (count_parameters, Gaussian init), src/search_space/operations.py and networks.py
(ReLU-Conv-BN ops, so the hooked ReLUs read cell node values), src/datasets/utilities.py (real images).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from zeronas.costs import count_params
from zeronas.errors import ZeronasError
from zeronas.proxies.base import Degenerate, ProxyInput
from zeronas.proxies.grads import forward_hooks, preserved

SAMPLES = 16  # the reference's --input_samples
MU = 1.5  # millions of parameters, on NATS-TSS; our choice (the reference has none)
SIGMA = 1.5
NATS_LARGEST_M = 1.531546  # the NATS-TSS CIFAR-10 network MU and SIGMA were set for


def sample_wise_patterns(model: nn.Module, images: torch.Tensor) -> int:
    """Number of distinct sample-wise activation patterns of the ReLUs (on 4-D inputs) of one forward
    pass of `images` (at most 62 of them); the model's buffers and modes are put back."""
    n = images.shape[0]
    if not 1 <= n <= 62:
        raise ValueError(f"sample-wise patterns are packed into int64: need 1..62 images, got {n}")
    bits = torch.pow(2, torch.arange(n, dtype=torch.int64, device=images.device))
    found: list[torch.Tensor] = []

    def hook(_module, inputs, output):
        if inputs and isinstance(inputs[0], torch.Tensor) and inputs[0].dim() == 4:
            on = output.detach().reshape(n, -1) > 0
            codes = (on.to(torch.int64) * bits[:, None]).sum(dim=0)  # one integer per unit
            found.append(torch.unique(codes))

    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    with forward_hooks(relus, hook), preserved(model), torch.no_grad():
        model(images)
    if not found:
        raise Degenerate("no ReLU on a feature map")
    return int(torch.unique(torch.cat(found)).numel())


def size_prior(space) -> tuple[float, float]:
    """(μ, σ) for a space: the NATS-TSS prior scaled to the space's largest network (NATS-sized if unknown)."""
    largest = getattr(getattr(space, "capabilities", None), "largest_params_m", None) or NATS_LARGEST_M
    r = largest / NATS_LARGEST_M
    return MU * r, SIGMA * r * r


def regular_factor(model: nn.Module, mu: float = MU, sigma: float = SIGMA) -> float:
    """exp(-(Θ - μ)² / σ) with Θ the trainable parameters in millions."""
    theta = count_params(model) / 1e6
    return math.exp(-((theta - mu) ** 2) / sigma)


def _batch(inp: ProxyInput) -> torch.Tensor:
    if inp.images.shape[0] < SAMPLES:
        raise ZeronasError(f"swap needs a batch of at least {SAMPLES} images, got {inp.images.shape[0]}")
    return inp.images[:SAMPLES]


def swap(inp: ProxyInput) -> float:
    """SWAP-Score: distinct sample-wise ReLU activation patterns over the first 16 images of the batch."""
    return float(sample_wise_patterns(inp.model, _batch(inp)))


def swap_reg(inp: ProxyInput, mu: float | None = None, sigma: float | None = None) -> float:
    """Regularised SWAP-Score: SWAP · exp(-(Θ - μ)² / σ), Θ in millions of parameters; μ, σ default to
    the input space's `size_prior`."""
    default_mu, default_sigma = size_prior(inp.space)
    mu = default_mu if mu is None else mu
    sigma = default_sigma if sigma is None else sigma
    return swap(inp) * regular_factor(inp.model, mu, sigma)
