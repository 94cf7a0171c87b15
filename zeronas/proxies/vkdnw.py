"""VKDNW (Týbl & Neumann, CVPR 2025, "Training-free Neural Architecture Search through Variance of Knowledge
of Deep Network Weights"): the entropy of the deciles of the spectrum of an empirical Fisher Information
Matrix (FIM) taken over one weight per parameter tensor.

Definition, as the authors' code computes it (ondratybl/VKDNW, NB201/ZeroShotProxy/compute_vkdnw_score.py)
---------------------------------------------------------------------------------------------------------
* Parameters: θ̃ = the *first element* (flat index 0) of every tensor of `model.named_parameters()`: conv
  and linear weights and biases and BatchNorm weights and biases alike, P = number of parameter tensors
  (291 for the all-conv NATS-Bench cell on CIFAR-10). All other weights stay fixed.
* The network in *eval* mode (`model.eval()` in `get_fisher`): BatchNorm uses its running statistics, which
  after initialisation are 0 and 1, so each image is scored on its own (the reference `vmap`s a batch-of-one
  forward per image).
* Per image n: J_n = ∂z(x_n)/∂θ̃ (C×P), z the logits (`model(x)[1]` of the NB201 network, which returns
  (features, logits)); per-sample Jacobians via `vmap(jacrev(...))` over the batch.
* No labels: p_n = 0.95·softmax(z_n) + 0.05/C (smoothed predicted distribution), L_n the lower-triangular
  Cholesky factor of the multinomial covariance Σ_n = diag(p_n) - p_n p_nᵀ in the closed form of Tanabe &
  Sagae (1992): q_j = 1 - Σ_{k≤j} p_k (q_{C-1} = 0), d_j = √(p_j q_j / q_{j-1}) (q_{-1} = 1),
  L_jj = d_j, L_ij = -p_i d_j / q_j for i > j, the last column 0; L_n L_nᵀ = Σ_n.
* A_n = L_n J_n and F = (1/N) Σ_n A_nᵀ A_n (P×P) (`get_fisher(..., use_logits=False)`).
* λ = singular values of F (`torch.svd(F).S`; F is symmetric positive semi-definite, so its eigenvalues);
  the 9 deciles q_k = quantile(λ, k/10), k = 1..9 (`torch.quantile`, linear interpolation), stored as
  `vkdnw_lambda_0..8`.
* VKDNW = -Σ_k t_k log(t_k + 1e-10), t_k = q_k / (Σ_j q_j + 1e-10): the entropy of the normalised deciles,
  in [0, log 9] (≈ -1e-10 when only the top decile is non-zero, from the guards); log 9 when the deciles are
  equal (every direction of weight space equally well determined), higher = better (the paper's proxy is
  maximised).
* Batch: one batch of the loader, 64 images; initialisation: Kaiming-normal fan_in, BN weight 1, bias 0.

Ranking variants (the reference computes only the raw numbers; the rankings are built afterwards, in
NB201/tss_utils.py `get_scores`): VKDNW_single ranks networks by the pair (number of parameter tensors
`vkdnw_dim` = len(named_parameters()), VKDNW) lexicographically (pandas dense rank of the tuple, then its
log), so size decides first and VKDNW breaks ties (a third-party summary of the paper gives it as
N(f) + VKDNW(f), N the number of layers; the paper itself was not read). VKDNW_agg (`vkdnw_comb_rank`) =
log rank(VKDNW_single) + Σ log rank over AZ-NAS expressivity, AZ-NAS trainability, FLOPs and jacob_cov.
Neither is implemented here: this module is the raw VKDNW; `layers` is the registry's size term, and the
log-rank combiner can assemble VKDNW_agg from the registered proxies.

Implementation (not the reference's; the same numbers up to float rounding)
---------------------------------------------------------------------------
The per-sample Jacobian with respect to one element per tensor is not taken with `vmap(jacrev)` (45 s for
the all-conv3x3 NATS network and 64 images on one CPU thread) but with one backward pass per class:
forward hooks keep the input of every module that owns parameters, `autograd.grad` of Σ_n z_{n,c} gives
the gradient at each module's output, and because eval-mode BN couples no images, image n's derivative for
element 0 is read off its own input and output gradient: conv weight[0,0,0,0]: Σ_hw g[n,0,h,w]·
x_pad[n,0,h·s,w·s]; conv/linear bias[0] and BN bias[0]: Σ g[n,0]; BN weight[0]: Σ g[n,0]·x̂[n,0], x̂
normalised with the running statistics; linear weight[0,0]: g[n,0]·x[n,0]. A module of another kind that
owns parameters (or a BN without running statistics) is an error. The test file checks these Jacobians
against `vmap(jacrev)`.

Cost: one backward pass of the whole batch per class (C passes), inherent to the definition (a P-column
Jacobian per image; forward mode would take P ≈ 66-291 passes). On one CPU thread with 64 CIFAR-10 images
it measured 1.3-6.0 s per NATS-Bench network (3.0 s mean over 20 cells, the all-conv3x3 cell ~9 s, on a
loaded 2-core machine); CIFAR-100 has 10× the passes. Fewer images are not a free saving: F has rank
≤ N·(C - 1), and below P that zeroes the lower deciles.

Deviations
----------
* Input: the caller's real batch (64 images by default), as the earlier driver NB201/tss_general_.py does
  (`vkdnw` in `real_input_metrics`); the later driver feeds N(0, 1) noise of the same shape.
* Weights: the engine's networks arrive Kaiming-normal fan_out (init_weights); as for AZ-NAS, each
  conv/linear weight is multiplied by √(fan_out/fan_in) (aznas._fan_in_weights), which makes it exactly a
  fan_in draw (the network itself is not modified). With BN an identity in eval mode at initialisation, the
  scale of the stem, the shortcuts and the classifier sets the logits' scale, hence the softmax.
* Numerics: Jacobians in float32 as the reference, everything after them (softmax, Cholesky factor, F,
  eigenvalues, deciles, entropy) in float64 with `eigvalsh` (absolute values, as singular values are); the
  reference keeps float32, builds 0.05 as a float16 tensor (0.05000305, so its smoothed p sums to
  1.0002) and q by 1 - cumsum. A float32 spectrum spans too few digits for the lower deciles of F.
* Degenerate instead of the reference's value: if every decile is 0 (no parameter reaches the logits,
  e.g. an all-zero Jacobian) the reference's 1e-10 guards give 0; here Degenerate (NaN, ranked last). Non-
  finite logits or Jacobians are Degenerate too (the reference would fail in the SVD or print its error).
* Parameter subset: the stored NB201 file uses every parameter tensor; ImageNet_MBV2's copy keeps the first
  100, and a later revision of the NB201 file (known only from a third-party description, not read here)
  keeps the first `params_grad_len` = 128 tensors (the NB201 driver's default) and several evenly spaced
  elements per tensor. `vkdnw_score(..., max_tensors=128)` gives the first-128 variant with one element
  per tensor; the several-elements variant is not implemented.

Note: A_n = L_n J_n gives F = (1/N) Σ J_nᵀ L_nᵀ L_n J_n, while the Fisher
information of the softmax likelihood is (1/N) Σ J_nᵀ Σ_n J_n = (1/N) Σ (L_nᵀ J_n)ᵀ(L_nᵀ J_n); L_nᵀ L_n ≠ Σ_n in
general. This module follows the code (L_n J_n).

Reference files read: ondratybl/VKDNW NB201/ZeroShotProxy/compute_vkdnw_score.py (stored revisions
3b2d12ff, 01ff0a16), ImageNet_MBV2/ZeroShotProxy/compute_vkdnw_score.py (5bd388c4), NB201/tss_utils.py
(0ed06168: `get_scores`, `analyze_results`, `compute_vkdnw` and the commented entropy), NB201/tss_general_.py
(096db333), a later NB201 driver (`--params_grad_len 128`, `--batch_size 64`, `--real_input`), and an
AZ-NAS-lineage NB201 custom/tss_model.py (TinyNetwork.forward returns (features, logits); VKDNW's own copy
was not available).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from zeronas.proxies.aznas import _fan_in_weights
from zeronas.proxies.base import Degenerate, ProxyInput
from zeronas.proxies.grads import forward_hooks, preserved

SMOOTHING = 0.05  # α in p = (1 - α)·softmax + α/C
DECILES = tuple(k / 10 for k in range(1, 10))
EPS = 1e-10  # both guards of the reference's entropy


def _first_element_derivatives(module: nn.Module, x: torch.Tensor, g: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per image n, ∂⟨g_n, module(x)_n⟩/∂(element 0 of each parameter the module owns): g is the gradient at
    the module's output, x its input; each entry has shape (N,)."""
    if isinstance(module, nn.Conv2d):
        if module.padding_mode != "zeros":
            raise ValueError(f"VKDNW: conv padding mode {module.padding_mode!r} is not supported")
        ho, wo = g.shape[-2:]
        if isinstance(module.padding, str):  # 'valid' = 0; 'same' (stride 1) reads from -(total // 2)
            same = module.padding == "same"
            pads = [d * (k - 1) // 2 if same else 0 for d, k in zip(module.dilation, module.kernel_size)]
        else:
            pads = list(module.padding)
        (ph, pw), (sh, sw) = pads, module.stride
        xs = F.pad(x[:, 0], (pw, pw, ph, ph))[:, : sh * (ho - 1) + 1 : sh, : sw * (wo - 1) + 1 : sw]
        out = {"weight": (g[:, 0] * xs).sum(dim=(1, 2))}
        if module.bias is not None:
            out["bias"] = g[:, 0].sum(dim=(1, 2))
        return out
    if isinstance(module, nn.Linear):
        out = {"weight": (g[..., 0] * x[..., 0]).reshape(len(g), -1).sum(dim=1)}
        if module.bias is not None:
            out["bias"] = g[..., 0].reshape(len(g), -1).sum(dim=1)
        return out
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        if module.training or module.running_mean is None:
            raise ValueError("VKDNW: BatchNorm must normalise with running statistics (eval mode)")
        xhat = (x[:, 0] - module.running_mean[0]) / torch.sqrt(module.running_var[0] + module.eps)
        return {
            "weight": (g[:, 0] * xhat).reshape(len(g), -1).sum(dim=1),
            "bias": g[:, 0].reshape(len(g), -1).sum(dim=1),
        }
    raise ValueError(f"VKDNW: no per-sample rule for the parameters of {type(module).__name__}")


def first_element_jacobian(
    model: nn.Module, images: torch.Tensor, max_tensors: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(J, z): J[n, c, k] = ∂z_{n,c}/∂(element 0 of parameter tensor k), tensors in `named_parameters()`
    order (the first `max_tensors` of them if given), and the logits z (N×C), with the network in eval
    mode and its conv/linear weights rescaled to a fan_in draw. The network is left as it was."""
    names = [name for name, _ in model.named_parameters()]
    if max_tensors is not None:
        names = names[:max_tensors]
    column = {name: k for k, name in enumerate(names)}
    by_id = {id(p): name for name, p in model.named_parameters()}
    owned: dict[nn.Module, dict[str, int]] = {}  # module -> its own parameters' columns
    for module in model.modules():
        cols = {pn: column[by_id[id(p)]] for pn, p in module.named_parameters(recurse=False) if by_id[id(p)] in column}
        if cols:
            owned[module] = cols
    calls: list[tuple[nn.Module, torch.Tensor, torch.Tensor]] = []
    with (
        forward_hooks(owned, lambda mod, i, o: calls.append((mod, i[0], o))),
        preserved(model),
        torch.enable_grad(),
    ):
        model.eval()
        logits = torch.func.functional_call(model, _fan_in_weights(model), (images,), strict=False)
        n, classes = logits.shape
        jac = torch.zeros(classes, len(names), n)
        outputs = [o for _, _, o in calls]
        for c in range(classes):
            grads = torch.autograd.grad(logits[:, c].sum(), outputs, retain_graph=c < classes - 1, allow_unused=True)
            for (module, x, _o), g in zip(calls, grads):
                if g is None:
                    continue
                derivs = _first_element_derivatives(module, x.detach(), g)
                for pn, k in owned[module].items():
                    jac[c, k] += derivs[pn]
    calls.clear()
    return jac.permute(2, 0, 1), logits.detach()


def multinomial_cholesky(probs: torch.Tensor) -> torch.Tensor:
    """N×C×C lower-triangular L with L Lᵀ = diag(p) - p pᵀ for each row p of `probs` (N×C, rows sum to 1,
    entries > 0): Tanabe & Sagae's closed form, the last column 0 (the covariance has rank C - 1)."""
    p = probs.double()
    tail = torch.flip(torch.cumsum(torch.flip(p, [1]), 1), [1])  # tail[j] = Σ_{k≥j} p_k
    q = torch.cat([tail[:, 1:], torch.zeros_like(p[:, :1])], 1)  # q_j = Σ_{k>j} p_k, q_{C-1} = 0
    q_prev = torch.cat([torch.ones_like(p[:, :1]), q[:, :-1]], 1)
    d = torch.sqrt(p * q / q_prev)
    safe_q = torch.where(q > 0, q, torch.ones_like(q))
    below = -p[:, :, None] * (d / safe_q)[:, None, :] * (q > 0)[:, None, :]
    return torch.tril(below, diagonal=-1) + torch.diag_embed(d)


def fisher_matrix(jac: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """F = (1/N) Σ_n (L_n J_n)ᵀ (L_n J_n), L_n from the smoothed softmax of the logits (as the reference)."""
    classes = logits.shape[1]
    probs = torch.softmax(logits.double(), dim=1) * (1 - SMOOTHING) + SMOOTHING / classes
    a = multinomial_cholesky(probs) @ jac.double()
    return torch.einsum("ncp,ncq->pq", a, a) / len(a)


def decile_entropy(eigenvalues: torch.Tensor) -> float:
    """-Σ t log(t + 1e-10) over the 9 deciles of the spectrum, normalised to t = q / (Σq + 1e-10)."""
    lam = eigenvalues.double().abs()
    q = torch.quantile(lam, torch.tensor(DECILES, dtype=lam.dtype))
    total = float(q.sum())
    if not math.isfinite(total):
        raise Degenerate("non-finite Fisher spectrum")
    if total == 0.0:
        raise Degenerate("every decile of the Fisher spectrum is 0 (no parameter reaches the logits)")
    t = q / (total + EPS)
    return float(-(t * torch.log(t + EPS)).sum())


def vkdnw_score(model: nn.Module, images: torch.Tensor, max_tensors: int | None = None) -> float:
    """VKDNW of `model` on `images` (see the module docstring); the network is left as it was."""
    jac, logits = first_element_jacobian(model, images, max_tensors)
    if jac.shape[2] == 0:
        raise Degenerate("the network has no parameters")
    if not (torch.isfinite(jac).all() and torch.isfinite(logits).all()):
        raise Degenerate("non-finite logits or Jacobian")
    fisher = fisher_matrix(jac, logits)
    return decile_entropy(torch.linalg.eigvalsh(fisher))


def vkdnw(inp: ProxyInput) -> float:
    """VKDNW on the caller's whole real batch (64 images by default, the reference's batch)."""
    return vkdnw_score(inp.model, inp.images)
