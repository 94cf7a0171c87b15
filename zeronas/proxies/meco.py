"""MeCo (Jiang et al., NeurIPS 2023, "MeCo: Zero-Shot NAS with One Data and Single Forward Pass via
Minimum Eigenvalue of Correlation").

Definition, as the authors' code computes it (HamsterMimi/MeCo, correlation/NAS_Bench_201.py, `get_score`
with the default `--measure meco`):

* A forward hook on *every* module of the network (`net.named_modules()`: the network itself, containers
  such as Sequential and cells, and leaves: conv, BN, ReLU, pooling, identity, linear); every call counts,
  so a tensor returned by several nested modules (a Sequential and its last child) counts once per module.
* In each hook the output of the *first sample* only, `data_output[0]` (C×H×W), is reshaped to C×(H·W):
  channels are the variables, spatial positions the observations. P = Pearson correlation matrix (C×C,
  `torch.corrcoef`), NaN and ±inf entries set to 0 (a constant channel gets a zero row and column), and
  the term is the smallest real eigenvalue of P.
* MeCo = Σ of the terms over all module calls (NaN/inf terms dropped). A term is in [0, 1]: P is positive
  semi-definite with trace ≤ C; a 2-D output (pooled features, logits) of one sample is D×1, so its
  correlation is all NaN → 0 and the term is 0; the `none` op's zeros give 0 as well.
* One data point, one forward pass: `--batch_size 1`, the first image of the shuffled CIFAR training
  loader, 32×32 (`--data_size 32`); the network in train mode (BatchNorm normalises with the statistics of
  that single image), PyTorch's default initialisation (`--init_w_type none`), no gradients.
* `meco_opt` (not the default) samples 8 of the C channels at random (`random.sample`) and scales the
  minimum eigenvalue by C/8; `meco_score(..., channels=8, generator=g)` computes it.

Other copies in the same repository differ: correlation/foresight/pruners/measures/meco.py (used through
zero-cost-nas's `find_measures` by correlation/NAS_Bench_101.py) ignores the data and feeds one Gaussian
1×3×64×64 input; zero-cost-nas/foresight/pruners/measures/meco.py (Zero-Cost-PT search) forwards the whole
real batch but still reads only sample 0 of each output (its BN statistics are the batch's).

Here: the first image of the caller's real batch, the caller's initialisation, train mode, every module
call; non-tensor outputs and outputs with fewer than 2 dimensions are skipped (the reference would fail or
count a 1×1 matrix). Deviation in numerics only: the correlation and eigenvalues are taken in float64 with
`eigvalsh` (P is symmetric) instead of float32 `torch.linalg.eig`, and when a map has no more positions
than channels (H·W ≤ C) the term is set to its exact value 0 (the centred rows span at most H·W - 1
dimensions, so P is singular; the reference returns rounding noise there). The value depends on how the
network is split into modules (the reference's NATS ops are one wrapper level deeper than ours).
Reference files read: correlation/NAS_Bench_201.py, correlation/NAS_Bench_101.py,
correlation/foresight/pruners/measures/{meco,__init__}.py, correlation/foresight/models/nasbench2.py,
correlation/foresight/weight_initializers.py, zero-cost-nas/foresight/pruners/measures/meco.py,
zero-cost-nas/foresight/pruners/predictive.py.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from zeronas.proxies.base import ProxyInput
from zeronas.proxies.grads import forward_hooks, preserved


def min_correlation_eigenvalue(feature: torch.Tensor) -> float:
    """Smallest eigenvalue of the Pearson correlation of the rows of `feature` (rows: variables, the rest
    flattened: observations), NaN/inf entries set to 0 as in MeCo."""
    x = feature.reshape(feature.shape[0], -1).double()
    if x.shape[1] < 2:  # one observation: every correlation is NaN, so the matrix is 0 and so is λ_min
        return 0.0
    if x.shape[1] <= x.shape[0]:  # centred rows span ≤ M-1 dimensions: P is singular, λ_min = 0 exactly
        return 0.0
    corr = torch.corrcoef(x).reshape(x.shape[0], x.shape[0])
    corr = torch.nan_to_num(corr, nan=0.0, posinf=0.0, neginf=0.0)
    return float(torch.linalg.eigvalsh(corr)[0])


def meco_score(
    model: nn.Module, image: torch.Tensor, channels: int | None = None, generator: torch.Generator | None = None
) -> float:
    """Σ over module calls of λ_min(corr(first sample's C×HW output)) in one forward pass of `image`
    (1×3×H×W). With `channels` (MeCo_opt: 8), that many channels are drawn per module (when it has more)
    and the eigenvalue is scaled by C/channels. The model's buffers and modes are put back."""
    terms: list[float] = []
    # A container returns its last child's tensor and an identity returns its input: the same tensor,
    # unmodified since, has the same term (without sampling), so it is computed once and counted per call.
    seen: dict[int, tuple[torch.Tensor, int, float]] = {}

    def hook(_module, _inputs, output):
        if not isinstance(output, torch.Tensor) or output.dim() < 2:
            return
        hit = seen.get(id(output))
        if channels is None and hit is not None and hit[0] is output and hit[1] == output._version:
            terms.append(hit[2])
            return
        fea = output.detach()[0]
        fea = fea.reshape(fea.shape[0], -1)
        c = fea.shape[0]
        if channels is not None and c > channels:
            pick = torch.randperm(c, generator=generator)[:channels].to(fea.device)
            terms.append(min_correlation_eigenvalue(fea[pick]) * c / channels)
        else:
            terms.append(min_correlation_eigenvalue(fea))
            seen[id(output)] = (output, output._version, terms[-1])  # held until the pass ends: ids stay unique

    with forward_hooks(model.modules(), hook), preserved(model), torch.no_grad():
        model(image)
    seen.clear()
    return float(sum(t for t in terms if math.isfinite(t)))


def meco(inp: ProxyInput) -> float:
    """MeCo on one real image (the first of the batch), single forward pass, train-mode BN."""
    return meco_score(inp.model, inp.images[:1])
