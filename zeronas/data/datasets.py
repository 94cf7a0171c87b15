"""Datasets: what a search needs to know about each (classes, resolution, normalisation) and image loaders.

No torchvision: sample .npz files and CIFAR python-pickle batches are parsed directly.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from zeronas.errors import ZeronasError
from zeronas.paths import data_file, require_file
from zeronas.registry import Registry

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    num_classes: int
    resolution: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    sample_file: str  # under <data>/datasets/
    table_suffix: str  # column suffix in the benchmark tables


DATASETS: Registry[DatasetInfo] = Registry("dataset")
for _info in (
    DatasetInfo("cifar10", 10, 32, (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010), "cifar10-sample.npz", "cifar10"),
    DatasetInfo(
        "cifar100", 100, 32, (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762), "cifar100-sample.npz", "cifar100"
    ),
    DatasetInfo(
        "imagenet16-120",
        120,
        16,
        (0.4811, 0.4575, 0.4079),
        (0.2479, 0.2402, 0.2552),
        "imagenet16-sample.npz",
        "imagenet16",
    ),
):
    DATASETS.add(_info.name, _info)


def get_dataset(name: str) -> DatasetInfo:
    return DATASETS.get(name)


def normalise(images_hwc_uint8: np.ndarray, info: DatasetInfo) -> torch.Tensor:
    """uint8 N×H×W×3 -> float32 N×3×H×W, normalised with the dataset's mean and std."""
    import torch

    if images_hwc_uint8.ndim != 4 or images_hwc_uint8.shape[-1] != 3:
        raise ZeronasError(f"expected images of shape N×H×W×3, got {images_hwc_uint8.shape}")
    x = torch.from_numpy(np.ascontiguousarray(images_hwc_uint8)).permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(info.mean).view(1, 3, 1, 1)
    std = torch.tensor(info.std).view(1, 3, 1, 1)
    return (x - mean) / std


def load_sample(info: DatasetInfo, root: str | Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The shared sample of real images for a dataset, normalised, with labels."""
    import torch

    path = data_file(f"datasets/{info.sample_file}", f"{info.name} sample images", root)
    try:
        with np.load(path) as f:
            images, labels = f["images"], f["labels"]
    except Exception as exc:  # truncated/foreign file: one clear line
        raise ZeronasError(f"cannot read {path}: {exc}") from None
    return normalise(images, info), torch.from_numpy(labels.astype(np.int64))


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def read_image_folder(folder: str | Path, resolution: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """uint8 N×H×W×3 images of a folder of class-named folders (folder/<class>/*.jpg) resized to resolution,
    their labels (class folders in sorted order) and the class names."""
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder)
    if folder.is_file():
        raise ZeronasError(f"{folder} is a file: --images takes a folder of class folders (<class>/<image>.jpg)")
    if not folder.is_dir():
        raise ZeronasError(f"image folder not found: {folder}")
    if resolution < 4:
        raise ZeronasError(f"image resolution must be at least 4 pixels, got {resolution}")
    # hidden entries (.ipynb_checkpoints, macOS ._ files) are not classes or images
    classes = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    images, labels, empty = [], [], []
    for label, class_dir in enumerate(classes):
        files = [p for p in sorted(class_dir.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES and p.name[0] != "."]
        empty += [] if files else [class_dir.name]
        for path in files:
            try:
                with Image.open(path) as img:
                    img = img.convert("RGB")
                    if img.size != (resolution, resolution):
                        img = img.resize((resolution, resolution), Image.BILINEAR)
                    images.append(np.asarray(img, dtype=np.uint8))
            except (UnidentifiedImageError, OSError) as exc:
                raise ZeronasError(f"cannot read image {path}: {exc}") from None
            labels.append(label)
    if not images:
        raise ZeronasError(f"no images found in class folders under {folder} (expected <class>/<image>.jpg)")
    if empty:  # a class without images would be an output no image ever trains or scores
        raise ZeronasError(f"class folder(s) without images under {folder}: {', '.join(empty)}; remove or fill them")
    return np.stack(images), np.array(labels, dtype=np.int64), [c.name for c in classes]


def load_image_folder(folder: str | Path, info: DatasetInfo) -> tuple[torch.Tensor, torch.Tensor]:
    """A folder of class folders at the dataset's resolution, normalised with the dataset's statistics."""
    import torch

    images, labels, _ = read_image_folder(folder, info.resolution)
    return normalise(images, info), torch.from_numpy(labels)


def folder_dataset(folder: str | Path, resolution: int) -> tuple[DatasetInfo, torch.Tensor, torch.Tensor]:
    """The user's own images as a dataset: its classes, the given resolution and its own per-channel mean and
    standard deviation; images normalised with them."""
    import torch

    images, labels, classes = read_image_folder(folder, resolution)
    if len(classes) < 2:
        raise ZeronasError(f"{folder} needs at least 2 class folders, found {len(classes)}")
    pixels = images.reshape(-1, 3).astype(np.float64) / 255.0
    mean, std = pixels.mean(axis=0), np.maximum(pixels.std(axis=0), 1e-3)
    info = DatasetInfo(
        f"folder:{Path(folder).resolve().name}",
        len(classes),
        resolution,
        tuple(round(float(m), 4) for m in mean),
        tuple(round(float(s), 4) for s in std),
        "",
        "",
    )
    return info, normalise(images, info), torch.from_numpy(labels)


def load_cifar_batches(
    folder: str | Path, info: DatasetInfo, split: str = "train"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Full CIFAR-10/100 from the official python-pickle batches (cifar-10-batches-py / cifar-100-python)."""
    import torch

    folder = Path(folder)
    if info.name == "cifar10":
        names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        label_key = b"labels"
    elif info.name == "cifar100":
        names = ["train" if split == "train" else "test"]
        label_key = b"fine_labels"
    else:
        raise ZeronasError(f"python-pickle batches exist only for cifar10/cifar100, not {info.name}")
    images, labels = [], []
    for name in names:
        path = require_file(folder / name, f"CIFAR batch {name!r}")
        try:
            with open(path, "rb") as f:
                batch = pickle.load(f, encoding="bytes")
            images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
            labels.append(np.asarray(batch[label_key], dtype=np.int64))
        except (pickle.UnpicklingError, KeyError, EOFError, ValueError) as exc:
            raise ZeronasError(f"{path} is not a CIFAR python batch: {exc}") from None
    return normalise(np.concatenate(images), info), torch.from_numpy(np.concatenate(labels))


def scoring_batches(
    images: torch.Tensor, labels: torch.Tensor, batch_size: int, count: int, seed: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """`count` seeded, disjoint-where-possible batches drawn from the image pool."""
    import torch

    if len(images) < batch_size:
        raise ZeronasError(f"need at least {batch_size} images to score, have {len(images)}")
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(images), generator=g)
    batches = []
    for i in range(count):
        idx = perm.roll(-i * batch_size)[:batch_size]
        batches.append((images[idx].contiguous(), labels[idx].contiguous()))
    return batches
