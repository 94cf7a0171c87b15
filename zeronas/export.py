"""Deliver a found architecture as a trainable PyTorch module (and ONNX), not just a benchmark index."""

from __future__ import annotations

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


class Exported(dict):
    """What export() wrote: kind ('pytorch', 'onnx') -> path, as before, plus `check`: the ONNX Runtime check
    (check_onnx's dict) when model.onnx was written and checked, else None."""

    check: dict | None = None


def export(
    space: str,
    arch: str,
    dataset: str,
    out_dir: str | Path,
    onnx: bool = True,
    info: DatasetInfo | None = None,
    *,
    check: bool = True,
    images: str | Path | torch.Tensor | None = None,
    data_root: str | Path | None = None,
) -> Exported:
    """Write model.pt (state dict + metadata, reload with load()) and, if asked, model.onnx, which is then run in
    ONNX Runtime on real images and compared with PyTorch (check_onnx; `check=False` skips it)."""
    out = writable_folder(out_dir)
    model, meta = build(space, arch, dataset, info)
    return export_model(model, meta, out, onnx, check=check, images=images, data_root=data_root)


def export_model(
    model: nn.Module,
    meta: dict,
    out_dir: str | Path,
    onnx: bool = True,
    *,
    check: bool = True,
    images: str | Path | torch.Tensor | None = None,
    data_root: str | Path | None = None,
) -> Exported:
    """export() for a network at hand with its metadata (from build() or load(), e.g. a trained one): its
    weights as they are."""
    from zeronas.hardware.latency import to_onnx

    out = writable_folder(out_dir)
    written = Exported(pytorch=out / "model.pt")
    torch.save({"meta": meta, "state_dict": model.state_dict()}, written["pytorch"])
    if onnx:
        written["onnx"] = out / "model.onnx"
        to_onnx(model, meta["resolution"], written["onnx"])
        if check:
            written.check = check_onnx(model, written["onnx"], meta, images, data_root)
    return written


CHECK_TOLERANCE = 1e-4  # largest absolute logit difference accepted between ONNX Runtime and PyTorch
CHECK_IMAGES = 16


def check_onnx(
    model: nn.Module,
    onnx_path: str | Path,
    meta: dict,
    images: str | Path | torch.Tensor | None = None,
    data_root: str | Path | None = None,
    count: int = CHECK_IMAGES,
    tolerance: float = CHECK_TOLERANCE,
) -> dict:
    """Run the ONNX file in ONNX Runtime on `count` real images and compare its logits with the PyTorch model's
    (eval mode): a larger difference than `tolerance` is a ZeronasError. Also measures the latency of one image
    in ONNX Runtime and in PyTorch (zeronas.hardware, 1 thread). The images: `images` (normalised N×3×H×W
    tensor, or a folder of class folders read at the model's resolution and statistics), else the dataset's
    packaged sample; a network for a dataset zeronas does not know, with no images given, is checked on seeded
    random inputs (image_source says so)."""
    import numpy as np

    from zeronas.hardware.device import intra_op_threads
    from zeronas.hardware.latency import (
        LatencySettings,
        measure_latency,
        measure_onnx_latency,
        ort_session,
    )

    x, source = _check_inputs(meta, images, data_root, count)
    session = ort_session(Path(onnx_path), threads=1)
    training = model.training
    try:
        with intra_op_threads(1), torch.inference_mode():
            expected = model.eval()(x).numpy()
    finally:
        model.train(training)
    got = session.run(None, {"images": x.numpy()})[0]
    if got.shape != expected.shape:
        raise ZeronasError(f"ONNX Runtime gave logits of shape {got.shape}, PyTorch {expected.shape}: {onnx_path}")
    diff = float(np.max(np.abs(got.astype(np.float64) - expected.astype(np.float64))))
    # float32 rounding grows with the logits: an untrained network's logits can reach thousands, where 1e-4
    # absolute is below float32's resolution. The limit is 1e-4 for logits up to 1 in size, relative beyond.
    scale = max(1.0, float(np.max(np.abs(expected))))
    if not diff <= tolerance * scale:  # NaN fails too
        raise ZeronasError(
            f"{onnx_path}: ONNX Runtime's logits differ from PyTorch's by up to {diff:.3g} (more than "
            f"{tolerance:g} × {scale:.3g}, the logits' size) on {len(x)} images ({source})"
        )
    settings = LatencySettings(backend="onnxruntime", batch=1, threads=1)
    return {
        "max_abs_diff": diff,
        "max_abs_logit": scale,
        "images": len(x),
        "image_source": source,
        "real_images": source != "random",
        "ort_latency_ms": measure_onnx_latency(Path(onnx_path), meta["resolution"], settings),
        "torch_latency_ms": measure_latency(model, meta["resolution"], LatencySettings(backend="torch", threads=1)),
        "latency_batch": 1,
        "latency_threads": 1,
    }


def _check_inputs(meta: dict, images, data_root, count: int) -> tuple[torch.Tensor, str]:
    from zeronas.data.datasets import DATASETS, load_image_folder, load_sample

    info = _info(meta)
    if isinstance(images, torch.Tensor):
        x, source = images, "given"
    elif images is not None:
        x, source = load_image_folder(images, info)[0], str(images)
    elif meta["dataset"] in DATASETS.names():
        sample = get_dataset(meta["dataset"])
        if sample.resolution != meta["resolution"]:
            raise ZeronasError(
                f"the {sample.name} sample is {sample.resolution} px, the network takes {meta['resolution']} px:"
                " pass images of that size"
            )
        x, source = load_sample(sample, data_root)[0], f"{sample.name} sample"
    else:
        generator = torch.Generator().manual_seed(0)
        x, source = torch.randn(count, 3, meta["resolution"], meta["resolution"], generator=generator), "random"
    if x.ndim != 4 or len(x) == 0 or tuple(x.shape[1:]) != (3, meta["resolution"], meta["resolution"]):
        raise ZeronasError(f"check images must be N×3×{meta['resolution']}×{meta['resolution']}, got {tuple(x.shape)}")
    return x[:count].float().contiguous(), source


def _info(meta: dict) -> DatasetInfo:
    """The DatasetInfo a model file records (classes, resolution, normalisation)."""
    return DatasetInfo(
        meta["dataset"],
        meta["num_classes"],
        meta["resolution"],
        tuple(meta.get("mean", (0.0,) * 3)),
        tuple(meta.get("std", (1.0,) * 3)),
        "",
        "",
    )


def load(path: str | Path) -> tuple[nn.Module, dict]:
    """Rebuild a network written by export()."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        meta = saved["meta"]
    except FileNotFoundError:
        raise ZeronasError(f"model file not found: {path}") from None
    except Exception as exc:
        raise ZeronasError(f"{path} is not a zeronas model file: {str(exc).splitlines()[0]}") from None
    model, _ = build(meta["space"], meta["arch"], meta["dataset"], _info(meta))
    model.load_state_dict(saved["state_dict"])
    return model, meta
