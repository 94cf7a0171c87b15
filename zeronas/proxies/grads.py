"""Shared plumbing for gradient proxies: they all see one network per initialisation, so none may change it.

Gradients are taken with torch.autograd.grad (never .backward), so `.grad` stays untouched, and
`preserved` restores BatchNorm running statistics and the train/eval mode a forward pass may change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

WEIGHT_LAYERS = (nn.Conv2d, nn.Linear)


def weight_layers(model: nn.Module) -> list[nn.Module]:
    """Conv and linear layers: the 'parameters' every gradient proxy sums over (as zero-cost-nas does)."""
    return [m for m in model.modules() if isinstance(m, WEIGHT_LAYERS)]


@contextmanager
def preserved(model: nn.Module) -> Iterator[nn.Module]:
    """Run a proxy on the shared network, then put back its buffers (BN statistics) and mode."""
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    modes = {m: m.training for m in model.modules()}
    try:
        yield model
    finally:
        with torch.no_grad():
            for name, b in model.named_buffers():
                b.copy_(buffers[name])
        for m, mode in modes.items():
            m.training = mode


@contextmanager
def forward_hooks(modules, hook) -> Iterator[None]:
    """`hook(module, inputs, output)` on each of `modules` for a block, removed after it, even on error."""
    handles = [m.register_forward_hook(hook) for m in modules]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The loss of every loss-based proxy. Labels beyond the head (the ImageNet16 sample keeps ImageNet-1k
    ids, the network has 120 outputs) are folded in by modulo: at initialisation a label is only a fixed
    target assignment, and in-range labels (CIFAR) are unchanged."""
    return F.cross_entropy(logits, labels % logits.shape[1])


def loss_and_grads(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, create_graph: bool = False
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Cross-entropy on a real batch and its gradient w.r.t. each conv/linear weight (zeros if unused)."""
    weights = [m.weight for m in weight_layers(model)]
    loss = cross_entropy(model(images), labels)
    grads = torch.autograd.grad(loss, weights, create_graph=create_graph, allow_unused=True)
    return loss, [torch.zeros_like(w) if g is None else g for w, g in zip(weights, grads)]


@dataclass
class Backward:
    """One cross-entropy backward pass on a real batch: what grad_norm, snip, plain and fisher read."""

    weights: list[torch.Tensor]  # conv/linear weights (detached)
    grads: list[torch.Tensor]  # ∂L/∂W, zeros where a layer does not reach the loss
    channel_saliency: list[torch.Tensor]  # per layer, N×C: Σ_spatial a ⊙ ∂L/∂a at the layer's output a


_last: list = []  # (model, images, labels, weights digest, Backward): the pass of the current init


def shared_backward(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> Backward:
    """The backward pass for this network, initialisation and batch, computed once and reused by every
    proxy that needs only first-order gradients (they would otherwise each repeat the same pass)."""
    digest = hashlib.sha1(b"".join(m.weight.detach().cpu().numpy().tobytes() for m in weight_layers(model))).digest()
    if _last and _last[0] is model and _last[1] is images and _last[2] is labels and _last[3] == digest:
        return _last[4]
    layers = weight_layers(model)
    outputs: dict[nn.Module, torch.Tensor] = {}
    # BN buffers go back only after the backward pass that reads them
    with forward_hooks(layers, lambda mod, _i, out: outputs.__setitem__(mod, out)), preserved(model):
        loss = cross_entropy(model(images), labels)
        acts = [outputs[m] for m in layers]
        grads = torch.autograd.grad(loss, [m.weight for m in layers] + acts, allow_unused=True)
    n = len(layers)
    zero = lambda ref, g: torch.zeros_like(ref) if g is None else g.detach()  # noqa: E731
    saliency = []
    for a, g in zip(acts, grads[n:]):
        prod = a.detach() * zero(a, g)
        saliency.append(prod.flatten(2).sum(-1) if prod.dim() > 2 else prod)
    result = Backward(
        [m.weight.detach() for m in layers], [zero(m.weight, g) for m, g in zip(layers, grads[:n])], saliency
    )
    _last[:] = [model, images, labels, digest, result]
    return result


def weight_saliency(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, reduce) -> float:
    """Σ over conv/linear weights of reduce(θ, ∂L/∂θ), from the shared backward pass."""
    b = shared_backward(model, images, labels)
    return float(sum(reduce(w, g).double().sum() for w, g in zip(b.weights, b.grads)))


def fingerprint_generator(model: nn.Module) -> torch.Generator:
    """A generator seeded by the network's current weights: proxies that need their own random draws
    (Gaussian inputs, a thin twin network) stay deterministic and still change with each initialisation."""
    first = next(model.parameters()).detach().contiguous().cpu().numpy().tobytes()
    return torch.Generator().manual_seed(int.from_bytes(hashlib.sha1(first).digest()[:7], "little"))
