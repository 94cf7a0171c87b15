"""Proxy registry: a new proxy is one module plus one line here."""

from __future__ import annotations

from zeronas.errors import ZeronasError
from zeronas.proxies import arch_costs, naswot, synflow
from zeronas.proxies import fisher, grad_norm, grasp, jacob_cov, nregions, ntk, plain, snip, zen, zico
from zeronas.proxies.base import Proxy, ProxyInput, init_weights

PROXIES: dict[str, Proxy] = {
    p.name: p
    for p in (
        Proxy("logsynflow", synflow.logsynflow, "model", "FreeREA 2023: Synflow with log(|grad|+1), BN off, ones input, fp64"),
        Proxy("synflow", synflow.synflow, "model", "Tanaka et al. 2020: sum |θ·∂R/∂θ|, BN off, ones input, fp64"),
        Proxy("naswot", naswot.naswot, "model", "Mellor et al. 2021: log|det K_H| of ReLU codes on a real batch"),
        Proxy("skip", arch_costs.skip, "arch", "FreeREA 2023: mean number of nodes jumped by skip connections"),
        Proxy("params", arch_costs.params, "arch", "#parameters (M): the survey's trivial baseline"),
        Proxy("flops", arch_costs.flops, "arch", "#multiply-adds (M), torch.utils.flop_counter / 2"),
        Proxy("grad_norm", grad_norm.grad_norm, "model", "Abdelfattah et al. 2021: Σ‖∂L/∂W‖ per conv/linear layer"),
        Proxy("snip", snip.snip, "model", "Lee et al. 2019 (SNIP): Σ|θ⊙∂L/∂θ| on a real batch"),
        Proxy("grasp", grasp.grasp, "model", "Wang et al. 2020 (GraSP): Σ -θ⊙Hg on a real batch"),
        Proxy("fisher", fisher.fisher, "model", "Turner et al. 2020: Σ channel Fisher ½E[(Σ a⊙∂L/∂a)²]"),
        Proxy("jacob_cov", jacob_cov.jacob_cov, "model", "Mellor et al. 2020: eigen-spectrum of input-Jacobian correlations"),
        Proxy("plain", plain.plain, "model", "Mozer & Smolensky 1989: Σ θ⊙∂L/∂θ on a real batch"),
        Proxy("nregions", nregions.nregions, "model", "Chen et al. 2021 (TE-NAS): distinct ReLU patterns, thin twin net"),
        Proxy("ntk", ntk.ntk, "model", "Chen et al. 2021 (TE-NAS): minus the condition number of the NTK"),
        Proxy("zen", zen.zen, "model", "Lin et al. 2021 (Zen-NAS): log feature change + BN variance term"),
        Proxy("zico", zico.zico, "model", "Li et al. 2023 (ZiCo): Σ log Σ mean|g|/std(g) over 2 mini-batches"),
    )
}

FREEREA_PROXIES = ("naswot", "logsynflow", "skip")


def get_proxies(names: str | list[str] | tuple[str, ...]) -> list[Proxy]:
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not names:
        raise ZeronasError("no proxy named; choose from: " + ", ".join(PROXIES))
    unknown = [n for n in names if n not in PROXIES]
    if unknown:
        raise ZeronasError(f"unknown proxy {unknown[0]!r}; known: {', '.join(PROXIES)}")
    return [PROXIES[n] for n in names]


__all__ = ["PROXIES", "FREEREA_PROXIES", "Proxy", "ProxyInput", "get_proxies", "init_weights"]
