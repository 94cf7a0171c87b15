"""Proxy registry: a new proxy is one module plus one line here."""

from __future__ import annotations

from collections.abc import Callable

from zeronas.errors import ZeronasError
from zeronas.proxies.base import Proxy, ProxyInput, deferred, init_weights
from zeronas.recipes import FREEREA_PROXIES
from zeronas.registry import Registry

PROXIES: Registry[Callable[[ProxyInput], float]] = Registry("proxy")
# name, function, kind (model: needs an initialised network; arch: genotype only), one-line summary
PROXIES.add(
    "logsynflow",
    deferred("synflow", "logsynflow"),
    kind="model",
    higher_is_better=True,
    summary="FreeREA 2023: Synflow with log(|grad|+1), BN off, ones input, fp64",
)
PROXIES.add(
    "synflow",
    deferred("synflow", "synflow"),
    kind="model",
    higher_is_better=True,
    summary="Tanaka et al. 2020: sum |θ·∂R/∂θ|, BN off, ones input, fp64",
)
PROXIES.add(
    "naswot",
    deferred("naswot", "naswot"),
    kind="model",
    higher_is_better=True,
    summary="Mellor et al. 2021: log|det K_H| of ReLU codes on a real batch",
)
PROXIES.add(
    "skip",
    deferred("arch_costs", "skip"),
    kind="arch",
    higher_is_better=True,
    summary="FreeREA 2023: mean number of nodes jumped by skip connections",
)
PROXIES.add(
    "skip_freerea101",
    deferred("skip_freerea101", "skip_freerea101"),
    kind="arch",
    higher_is_better=True,
    summary="FreeREA's NAS-Bench-101 skip score as its code computes it (output edges, carried sums)",
)
PROXIES.add(
    "params",
    deferred("arch_costs", "params"),
    kind="arch",
    higher_is_better=True,
    summary="#parameters (M): the survey's trivial baseline",
)
PROXIES.add(
    "flops",
    deferred("arch_costs", "flops"),
    kind="arch",
    higher_is_better=True,
    summary="#multiply-adds (M), torch.utils.flop_counter / 2",
)
PROXIES.add(
    "layers",
    deferred("arch_costs", "layers"),
    kind="arch",
    higher_is_better=True,
    summary="#trainable conv/linear layers: the depth baseline (AZ-NAS, VKDNW comparisons)",
)
PROXIES.add(
    "grad_norm",
    deferred("grad_norm", "grad_norm"),
    kind="model",
    higher_is_better=True,
    summary="Abdelfattah et al. 2021: Σ‖∂L/∂W‖ per conv/linear layer",
)
PROXIES.add(
    "snip",
    deferred("snip", "snip"),
    kind="model",
    higher_is_better=True,
    summary="Lee et al. 2019 (SNIP): Σ|θ⊙∂L/∂θ| on a real batch",
)
PROXIES.add(
    "grasp",
    deferred("grasp", "grasp"),
    kind="model",
    higher_is_better=True,
    summary="Wang et al. 2020 (GraSP): Σ -θ⊙Hg on a real batch",
)
PROXIES.add(
    "fisher",
    deferred("fisher", "fisher"),
    kind="model",
    higher_is_better=True,
    summary="Turner et al. 2020: Σ channel Fisher ½E[(Σ a⊙∂L/∂a)²]",
)
PROXIES.add(
    "jacob_cov",
    deferred("jacob_cov", "jacob_cov"),
    kind="model",
    higher_is_better=True,
    summary="Mellor et al. 2020: eigen-spectrum of input-Jacobian correlations",
)
PROXIES.add(
    "plain",
    deferred("plain", "plain"),
    kind="model",
    higher_is_better=True,
    summary="Mozer & Smolensky 1989: Σ θ⊙∂L/∂θ on a real batch",
)
PROXIES.add(
    "nregions",
    deferred("nregions", "nregions"),
    kind="model",
    higher_is_better=True,
    summary="Chen et al. 2021 (TE-NAS): distinct ReLU patterns, thin twin net",
)
PROXIES.add(
    "ntk",
    deferred("ntk", "ntk"),
    kind="model",
    higher_is_better=True,
    summary="Chen et al. 2021 (TE-NAS): minus the condition number of the NTK",
)
PROXIES.add(
    "zen",
    deferred("zen", "zen"),
    kind="model",
    higher_is_better=True,
    summary="Lin et al. 2021 (Zen-NAS): log feature change + BN variance term",
)
PROXIES.add(
    "zico",
    deferred("zico", "zico"),
    kind="model",
    higher_is_better=True,
    summary="Li et al. 2023 (ZiCo): Σ log Σ mean|g|/std(g) over 2 mini-batches",
)

PROXIES.add(
    "swap",
    deferred("swap", "swap"),
    kind="model",
    higher_is_better=True,
    summary="Peng et al. 2024 (SWAP): distinct sample-wise ReLU patterns, 16 real images",
)
PROXIES.add(
    "swap_reg",
    deferred("swap", "swap_reg"),
    kind="model",
    higher_is_better=True,
    version=2,
    summary="Peng et al. 2024: SWAP·exp(-(params_M-μ)²/σ), size prior scaled to the space (constants ours)",
)
PROXIES.add(
    "meco",
    deferred("meco", "meco"),
    kind="model",
    higher_is_better=True,
    summary="Jiang et al. 2023 (MeCo): Σ λ_min of channel correlations, one real image",
)

PROXIES.add(
    "az_expressivity",
    deferred("aznas", "az_expressivity"),
    kind="model",
    higher_is_better=True,
    summary="Lee & Ham 2024 (AZ-NAS): Σ entropy of block-feature covariance spectra, Gaussian input",
)
PROXIES.add(
    "az_progressivity",
    deferred("aznas", "az_progressivity"),
    kind="model",
    higher_is_better=True,
    summary="Lee & Ham 2024 (AZ-NAS): min increase of block-feature isotropy between consecutive blocks",
)
PROXIES.add(
    "az_trainability",
    deferred("aznas", "az_trainability"),
    kind="model",
    higher_is_better=True,
    summary="Lee & Ham 2024 (AZ-NAS): mean -σ-1/σ+2 over blocks, σ = block Jacobian spectral norm",
)
PROXIES.add(
    "vkdnw",
    deferred("vkdnw", "vkdnw"),
    kind="model",
    higher_is_better=True,
    summary="Týbl & Neumann 2025 (VKDNW): entropy of the deciles of a one-weight-per-tensor Fisher spectrum",
)


def get_proxies(names: str | list[str] | tuple[str, ...]) -> list[Proxy]:
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not names:
        raise ZeronasError("no proxy named; choose from: " + ", ".join(PROXIES))
    entries = [PROXIES.entry(n) for n in names]
    return [Proxy(e.name, e.obj, e.meta["kind"], e.summary, e.version) for e in entries]


def proxy_versions(names) -> dict[str, int]:
    """name -> version: part of every stored score's key, so a changed proxy never reuses old values."""
    return {n: PROXIES.entry(n).version for n in names}


__all__ = ["PROXIES", "FREEREA_PROXIES", "Proxy", "ProxyInput", "get_proxies", "init_weights", "proxy_versions"]
