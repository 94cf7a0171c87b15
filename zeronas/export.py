"""Deliver a found architecture as a trainable PyTorch module (and ONNX), not just a benchmark index."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from zeronas.costs import count_flops, count_params
from zeronas.data.datasets import DatasetInfo, get_dataset
from zeronas.errors import ZeronasError
from zeronas.paths import writable_folder
from zeronas.spaces import get_space

FORMAT_VERSION = 1


def build(space: str, arch: str, dataset: str, info: DatasetInfo | None = None) -> tuple[nn.Module, dict]:
    """A freshly initialised network for arch, with the metadata needed to rebuild and feed it (classes,
    resolution, the normalisation its inputs need). `info` describes the user's own images, if any."""
    space_obj, info = get_space(space), info or get_dataset(dataset)
    parsed = space_obj.parse(arch)
    model = space_obj.build_model(parsed, info.num_classes)
    meta = {
        "format": FORMAT_VERSION,
        "space": space,
        "arch": space_obj.format(parsed),
        "dataset": info.name,
        "num_classes": info.num_classes,
        "resolution": info.resolution,
        "mean": list(info.mean),
        "std": list(info.std),
        "params": count_params(model),
        "flops": count_flops(model, info.resolution),
    }
    return model, meta


def export(
    space: str, arch: str, dataset: str, out_dir: str | Path, onnx: bool = True, info: DatasetInfo | None = None
) -> dict[str, Path]:
    """Write model.pt (state dict + metadata, reload with load()) and, if asked, model.onnx."""
    model, meta = build(space, arch, dataset, info)
    out = writable_folder(out_dir)
    written = {"pytorch": out / "model.pt"}
    torch.save({"meta": meta, "state_dict": model.state_dict()}, written["pytorch"])
    if onnx:
        try:
            import onnx as _onnx  # noqa: F401  (the exporter needs it)
        except ImportError:
            raise ZeronasError("ONNX export needs the onnx package: pip install 'zeronas[onnx]'") from None
        written["onnx"] = out / "model.onnx"
        dummy = torch.zeros(1, 3, meta["resolution"], meta["resolution"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
            torch.onnx.export(
                model.eval(),
                (dummy,),
                str(written["onnx"]),
                dynamo=False,
                input_names=["images"],
                output_names=["logits"],
                dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
            )
    return written


def load(path: str | Path) -> tuple[nn.Module, dict]:
    """Rebuild a network written by export()."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        meta = saved["meta"]
    except FileNotFoundError:
        raise ZeronasError(f"model file not found: {path}") from None
    except Exception as exc:
        raise ZeronasError(f"{path} is not a zeronas model file: {str(exc).splitlines()[0]}") from None
    info = DatasetInfo(
        meta["dataset"],
        meta["num_classes"],
        meta["resolution"],
        tuple(meta.get("mean", (0.0,) * 3)),
        tuple(meta.get("std", (1.0,) * 3)),
        "",
        "",
    )
    model, _ = build(meta["space"], meta["arch"], meta["dataset"], info)
    model.load_state_dict(saved["state_dict"])
    return model, meta
