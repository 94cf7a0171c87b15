"""Proxy registry: a new proxy is one module plus one line here."""

from __future__ import annotations

from zeronas.errors import ZeronasError
from zeronas.proxies import arch_costs, naswot, synflow
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
