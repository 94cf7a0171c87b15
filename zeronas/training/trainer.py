"""Train a found (or given) architecture on real images, with checkpoints that resume exactly.

The default recipe is NATS-Bench's (= NAS-Bench-201's) training recipe: SGD with Nesterov momentum 0.9,
learning rate 0.1 decayed per step by a cosine schedule to 0 at the end, weight decay 5e-4 on every
parameter, batch 256, cross-entropy without label smoothing, and the standard CIFAR augmentation (random
crop with zero padding of 1/8 of the side, 4 pixels at 32 px, and a random horizontal flip). NATS-Bench's
searches use its 12-epoch schedule (the `valid_acc_12ep_*` columns), hence 12 epochs by default.

Everything random (the split, the shuffle order, the crops and flips) comes from seeded torch generators,
and a checkpoint holds the model, the optimiser, the schedule, the current epoch's shuffle order and every
random state, so a run killed at any point and resumed gives, on CPU, exactly the weights and accuracies of
an uninterrupted run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zeronas.data.datasets import DatasetInfo, get_dataset, load_cifar_batches, load_sample, read_image_folder
from zeronas.errors import ZeronasError
from zeronas.hardware.device import checked_device
from zeronas.paths import writable_folder

CHECKPOINT, HISTORY, MODEL = "checkpoint.pt", "history.csv", "model.pt"
CHECKPOINT_VERSION = 1
HISTORY_FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")
EVAL_BATCH = 512


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe; the defaults are NATS-Bench's (see the module docstring)."""

    epochs: int = 12
    batch_size: int = 256
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    label_smoothing: float = 0.0
    val_fraction: float = 0.1
    seed: int = 0
    device: str = "cpu"
    augment: bool = True

    def check(self) -> None:
        rules = [
            (self.epochs >= 1, f"--epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 2, f"--batch-size must be at least 2, got {self.batch_size}"),
            (math.isfinite(self.lr) and self.lr > 0, f"--lr must be a positive number, got {self.lr}"),
            (0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}"),
            (not self.nesterov or self.momentum > 0, "Nesterov momentum needs momentum > 0"),
            (
                math.isfinite(self.weight_decay) and self.weight_decay >= 0,
                f"--weight-decay must be 0 or more, got {self.weight_decay}",
            ),
            (0 <= self.label_smoothing < 1, f"--label-smoothing must be in [0, 1), got {self.label_smoothing}"),
            (0 <= self.val_fraction < 1, f"--val-fraction must be in [0, 1), got {self.val_fraction}"),
        ]
        for ok, message in rules:
            if not ok:
                raise ZeronasError(message)

    def recipe(self) -> dict:
        """The settings that decide the result (the device does not: a run may resume on another one)."""
        return {k: v for k, v in asdict(self).items() if k != "device"}


# ----------------------------------------------------------------------------------------------- data


@dataclass
class TrainData:
    """Training and validation images as uint8 N×3×H×W tensors with int64 labels; normalised per batch with
    the training split's per-channel mean and standard deviation."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    val_images: torch.Tensor
    val_labels: torch.Tensor
    num_classes: int
    name: str  # a dataset name (cifar10) or folder:<name>
    source: str  # where the images came from, in words
    classes: list[str] | None = None
    mean: tuple[float, float, float] = field(init=False)
    std: tuple[float, float, float] = field(init=False)

    def __post_init__(self) -> None:
        if len(self.train_images) < 2:
            raise ZeronasError(f"need at least 2 training images, have {len(self.train_images)} ({self.source})")
        for labels in (self.train_labels, self.val_labels):
            if len(labels) and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
                raise ZeronasError(
                    f"labels of {self.source} lie outside 0..{self.num_classes - 1} "
                    f"({int(labels.min())}..{int(labels.max())}); train on a folder of class folders with --images"
                )
        self.mean, self.std = channel_stats(self.train_images)

    @property
    def resolution(self) -> int:
        return int(self.train_images.shape[-1])

    def info(self) -> DatasetInfo:
        return DatasetInfo(self.name, self.num_classes, self.resolution, self.mean, self.std, "", "")

    def digest(self) -> str:
        """A hash of the images and labels of both splits: a checkpoint resumes only on the same data."""
        h = hashlib.blake2b(digest_size=16)
        for t in (self.train_images, self.train_labels, self.val_images, self.val_labels):
            h.update(str(tuple(t.shape)).encode())
            h.update(t.contiguous().numpy().tobytes())
        return h.hexdigest()

    def describe(self) -> str:
        return (
            f"{self.source}: {len(self.train_images)} training / {len(self.val_images)} validation images, "
            f"{self.num_classes} classes, {self.resolution} px"
        )


def channel_stats(images: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and standard deviation (of pixel values in [0, 1]) of uint8 N×3×H×W images."""
    total, squares = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    for chunk in images.split(4096):
        x = chunk.to(torch.float64).div_(255.0)
        total += x.sum(dim=(0, 2, 3))
        squares += x.square().sum(dim=(0, 2, 3))
    count = images.shape[0] * images.shape[2] * images.shape[3]
    mean = total / count
    std = (squares / count - mean.square()).clamp_min(0).sqrt().clamp_min(1e-3)
    return tuple(round(float(m), 4) for m in mean), tuple(round(float(s), 4) for s in std)


def _chw(images_hwc: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images_hwc)).permute(0, 3, 1, 2).contiguous()


def _to_uint8(normalised: torch.Tensor, info: DatasetInfo) -> torch.Tensor:
    """Undo normalise(): the loaders' float images back to their exact uint8 pixels (in place)."""
    mean = torch.tensor(info.mean).view(1, 3, 1, 1)
    std = torch.tensor(info.std).view(1, 3, 1, 1)
    return normalised.mul_(std).add_(mean).mul_(255.0).round_().clamp_(0, 255).to(torch.uint8)


def stratified_split(labels: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, validation) indices: a seeded `fraction` of each class (at least one image of any class with
    two or more, never all of them) goes to validation."""
    if fraction <= 0:
        return torch.arange(len(labels)), torch.zeros(0, dtype=torch.int64)
    g = torch.Generator().manual_seed(seed)
    val = []
    for c in torch.unique(labels, sorted=True):
        idx = (labels == c).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        k = min(max(1, round(len(idx) * fraction)), len(idx) - 1)
        val.append(idx[:k])
    val_idx = torch.cat(val).sort().values
    keep = torch.ones(len(labels), dtype=torch.bool)
    keep[val_idx] = False
    return keep.nonzero().flatten(), val_idx


def load_data(
    dataset: str = "cifar10",
    images: str | os.PathLike | None = None,
    val: str | os.PathLike | None = None,
    resolution: int | None = None,
    cifar_batches: str | os.PathLike | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
    data_root: str | os.PathLike | None = None,
) -> TrainData:
    """The images to train on: a folder of class folders (`images`, validation from `val` or a stratified
    split), the official CIFAR python batches (`cifar_batches`, its test split as validation), or else the
    dataset's packaged sample of real images (split like a folder)."""
    info = get_dataset(dataset)
    if images is not None and cifar_batches is not None:
        raise ZeronasError("give --images or --cifar-batches, not both")
    if val is not None and images is None:
        raise ZeronasError("--val applies to --images (a folder of class folders)")
    if resolution is not None and images is None:
        raise ZeronasError("--resolution applies to --images (the sample and the CIFAR batches have their own size)")
    if images is not None:
        x, y, classes = read_image_folder(images, resolution or info.resolution)
        if len(classes) < 2:
            raise ZeronasError(f"{images} needs at least 2 class folders, found {len(classes)}")
        name, source = f"folder:{Path(images).resolve().name}", str(images)
        if val is not None:
            vx, vy, val_classes = read_image_folder(val, resolution or info.resolution)
            if val_classes != classes:
                raise ZeronasError(
                    f"the class folders of --val {val} ({', '.join(val_classes)}) differ from those of "
                    f"--images {images} ({', '.join(classes)})"
                )
            return TrainData(
                _chw(x),
                torch.from_numpy(y),
                _chw(vx),
                torch.from_numpy(vy),
                len(classes),
                name,
                f"{source} (validation: {val})",
                classes,
            )
        return _split(_chw(x), torch.from_numpy(y), len(classes), name, source, val_fraction, seed, classes)
    if cifar_batches is not None:
        x, y = load_cifar_batches(cifar_batches, info, "train")
        vx, vy = load_cifar_batches(cifar_batches, info, "test")
        return TrainData(
            _to_uint8(x, info),
            y,
            _to_uint8(vx, info),
            vy,
            info.num_classes,
            info.name,
            f"{cifar_batches} ({info.name} train, validated on its test batch)",
        )
    x, y = load_sample(info, data_root)
    source = f"the packaged {info.name} sample"
    return _split(_to_uint8(x, info), y, info.num_classes, info.name, source, val_fraction, seed)


def _split(x, y, num_classes, name, source, fraction, seed, classes=None) -> TrainData:
    train_idx, val_idx = stratified_split(y, fraction, seed)
    return TrainData(x[train_idx], y[train_idx], x[val_idx], y[val_idx], num_classes, name, source, classes)


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random crop with zero padding of resolution/8 pixels (4 at 32 px) and random horizontal flip, on a
    uint8 (or float) N×3×H×W batch, every draw from `generator`."""
    n, channels, h, w = images.shape
    pad = min(h, w) // 8
    if pad > 0:
        padded = F.pad(images, (pad, pad, pad, pad))
        offsets = torch.randint(0, 2 * pad + 1, (n, 2), generator=generator)
        rows = (offsets[:, 0:1] + torch.arange(h))[:, None, :, None]
        cols = (offsets[:, 1:2] + torch.arange(w))[:, None, None, :]
        images = padded[torch.arange(n)[:, None, None, None], torch.arange(channels)[None, :, None, None], rows, cols]
    flip = torch.rand(n, generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], images.flip(3), images)


# ------------------------------------------------------------------------------------------- training


class TrainCallbacks:
    """Hooks for progress display; every method is optional."""

    def resumed(self, epoch: int, batch: int, step: int, steps_per_epoch: int, epochs: int) -> None: ...

    def started(self, epoch: int, batch: int, steps_per_epoch: int, epochs: int) -> None: ...

    def step(self, epoch: int, batch: int, loss: float, acc: float) -> None: ...

    def epoch(self, row: dict) -> None: ...

    def saved(self, epoch: int, batch: int, step: int) -> None: ...


@dataclass
class TrainResult:
    model: nn.Module
    meta: dict
    history: list[dict]
    out: Path
    resumed_from: tuple[int, int, int] | None  # (epoch, batch, step) of the checkpoint resumed, if any

    @property
    def final(self) -> dict:
        return self.history[-1]


def training_device(name: str) -> torch.device:
    """The torch device `name`, checked (one line when it does not exist)."""
    return checked_device(name)


def fingerprint(settings: dict) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Batches per epoch; a last batch of a single image is left out (batch norm needs two)."""
    return n // batch_size + (1 if n % batch_size >= 2 else 0)


def train_network(
    data: TrainData,
    config: TrainConfig,
    out: str | os.PathLike,
    *,
    space: str,
    arch: str | None = None,
    dataset: str = "cifar10",
    init_model: str | os.PathLike | None = None,
    restart: bool = False,
    checkpoint_every: int = 50,
    callbacks: TrainCallbacks | None = None,
) -> TrainResult:
    """Train `arch` (freshly initialised from `config.seed`) or the network of `init_model` (a model.pt from
    `zeronas export`) on `data`, writing checkpoint.pt, history.csv and finally model.pt into `out`.

    An existing out/checkpoint.pt of the same run (same architecture, initial weights, data and recipe) is
    resumed; one of another run is refused unless `restart`."""
    from zeronas.export import build, load

    config.check()
    if checkpoint_every < 0:
        raise ZeronasError(f"--checkpoint-every must be 0 (only at epoch ends) or more, got {checkpoint_every}")
    device = training_device(config.device)
    out = writable_folder(out)
    init_digest = None
    if init_model is not None:
        loaded, loaded_meta = load(init_model)
        if loaded_meta["num_classes"] != data.num_classes:
            raise ZeronasError(
                f"{init_model} has {loaded_meta['num_classes']} outputs but the data has {data.num_classes} classes"
            )
        space, arch = loaded_meta["space"], loaded_meta["arch"]
        init_digest = hashlib.sha256(Path(init_model).read_bytes()).hexdigest()
    if arch is None:
        raise ZeronasError("give an architecture string or --model PATH")
    torch.manual_seed(config.seed)
    model, meta = build(space, arch, dataset, data.info())
    if init_model is not None:
        model.load_state_dict(loaded.state_dict())
    model.to(device)
    settings = {
        "space": space,
        "arch": meta["arch"],
        "init": init_digest or f"seed {config.seed}",
        "data": {"digest": data.digest(), "classes": data.num_classes, "resolution": data.resolution},
        "config": config.recipe(),
    }
    key = fingerprint(settings)

    n, bs = len(data.train_images), config.batch_size
    steps = steps_per_epoch(n, bs)
    total = config.epochs * steps
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=config.lr,
        momentum=config.momentum,
        nesterov=config.nesterov,
        weight_decay=config.weight_decay,
    )

    def cosine(step: int) -> float:
        return 0.5 * (1 + math.cos(math.pi * min(step, total) / total))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine)
    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    generator = torch.Generator().manual_seed(config.seed)
    callbacks = callbacks or TrainCallbacks()

    state = {"epoch": 0, "batch": 0, "step": 0, "perm": None, "sums": [0.0, 0, 0, 0.0], "history": []}
    path = out / CHECKPOINT
    for leftover in out.glob(f".{CHECKPOINT}.*.tmp"):  # from a run killed while it wrote
        leftover.unlink(missing_ok=True)
    resumed_from = None
    if path.exists() and not restart:
        saved = read_checkpoint(path)
        if saved["fingerprint"] != key:
            raise ZeronasError(
                f"{path} belongs to another training run ({_differences(saved.get('settings', {}), settings)}); "
                "pass --restart to start over, or choose another --out"
            )
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        generator.set_state(saved["generator"])
        torch.set_rng_state(saved["torch_rng"])
        for name in ("epoch", "batch", "step", "perm", "sums", "history"):
            state[name] = saved[name]
        resumed_from = (state["epoch"], state["batch"], state["step"])
        callbacks.resumed(state["epoch"], state["batch"], state["step"], steps, config.epochs)
    elif restart:
        path.unlink(missing_ok=True)

    def checkpoint() -> None:
        atomic_save(
            {
                "version": CHECKPOINT_VERSION,
                "fingerprint": key,
                "settings": settings,
                "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                "optimizer": _cpu(optimizer.state_dict()),
                "scheduler": scheduler.state_dict(),
                "generator": generator.get_state(),
                "torch_rng": torch.get_rng_state(),
                **{name: state[name] for name in ("epoch", "batch", "step", "perm", "sums", "history")},
            },
            path,
        )
        callbacks.saved(state["epoch"], state["batch"], state["step"])

    mean = torch.tensor(data.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(data.std, device=device).view(1, 3, 1, 1)

    def prepare(x: torch.Tensor) -> torch.Tensor:
        return (x.to(device).float().div_(255.0) - mean) / std

    callbacks.started(state["epoch"], state["batch"], steps, config.epochs)
    while state["epoch"] < config.epochs:
        epoch_start = time.perf_counter()
        if state["perm"] is None:
            state["perm"] = torch.randperm(n, generator=generator)
        perm, sums = state["perm"], state["sums"]
        model.train()
        while state["batch"] < steps:
            idx = perm[state["batch"] * bs : (state["batch"] + 1) * bs]
            x = data.train_images[idx]
            if config.augment:
                x = augment(x, generator)
            x, y = prepare(x), data.train_labels[idx].to(device)
            logits = model(x)
            loss = criterion(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            value = float(loss.item())
            if not math.isfinite(value):
                raise ZeronasError(
                    f"training diverged: the loss is {value} at epoch {state['epoch'] + 1}, "
                    f"step {state['step'] + 1}; try a lower --lr"
                )
            sums[0] += value * len(idx)
            sums[1] += int((logits.argmax(1) == y).sum().item())
            sums[2] += len(idx)
            state["batch"] += 1
            state["step"] += 1
            callbacks.step(state["epoch"], state["batch"], sums[0] / sums[2], 100.0 * sums[1] / sums[2])
            if checkpoint_every and state["step"] % checkpoint_every == 0 and state["batch"] < steps:
                sums[3] += time.perf_counter() - epoch_start
                epoch_start = time.perf_counter()
                checkpoint()
        val_loss, val_acc = evaluate(model, data.val_images, data.val_labels, prepare)
        row = {
            "epoch": state["epoch"] + 1,
            "train_loss": sums[0] / sums[2],
            "train_acc": 100.0 * sums[1] / sums[2],
            "val_loss": val_loss,
            "val_acc": val_acc,
            "lr": config.lr * cosine((state["epoch"] + 1) * steps - 1),  # that of the epoch's last step
            "seconds": sums[3] + time.perf_counter() - epoch_start,
        }
        state["history"].append(row)
        state.update(epoch=state["epoch"] + 1, batch=0, perm=None, sums=[0.0, 0, 0, 0.0])
        write_history(out / HISTORY, state["history"])
        checkpoint()
        callbacks.epoch(row)

    history = state["history"]
    write_history(out / HISTORY, history)
    last = history[-1]
    meta["trained"] = {
        "epochs": config.epochs,
        "steps": state["step"],
        "train_loss": last["train_loss"],
        "train_acc": last["train_acc"],
        "val_loss": last["val_loss"],
        "val_acc": last["val_acc"],
        "train_images": n,
        "val_images": len(data.val_images),
        "data": data.source,
        "recipe": config.recipe(),
        "init": str(init_model) if init_model is not None else f"seed {config.seed}",
    }
    if data.classes is not None:
        meta["classes"] = list(data.classes)
    atomic_save({"meta": meta, "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}}, out / MODEL)
    return TrainResult(model, meta, history, out, resumed_from)


@torch.no_grad()
def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, prepare) -> tuple[float, float]:
    """Mean cross-entropy (no label smoothing) and accuracy in % on uint8 images; NaN without images."""
    if len(images) == 0:
        return math.nan, math.nan
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(images), EVAL_BATCH):
        x = prepare(images[start : start + EVAL_BATCH])
        y = labels[start : start + EVAL_BATCH].to(x.device)
        logits = model(x)
        loss_sum += float(F.cross_entropy(logits, y, reduction="sum").item())
        correct += int((logits.argmax(1) == y).sum().item())
    model.train()
    return loss_sum / len(images), 100.0 * correct / len(images)


# ------------------------------------------------------------------------------------------- files


def atomic_save(obj, path: Path) -> None:
    """torch.save to a temporary file in the same folder, fsync, then rename over `path`: a reader (or a
    resumed run) sees the old file or the new one, never half of one, whenever the process is killed."""
    data = io.BytesIO()
    torch.save(obj, data)
    _atomic_write(path, data.getvalue())


def _atomic_write(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ZeronasError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename itself is atomic


def write_history(path: Path, history: list[dict]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=HISTORY_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()})
    _atomic_write(path, text.getvalue().encode())


REQUIRED_KEYS = (
    "version",
    "fingerprint",
    "model",
    "optimizer",
    "scheduler",
    "generator",
    "torch_rng",
    "epoch",
    "batch",
    "step",
    "perm",
    "sums",
    "history",
)


def read_checkpoint(path: Path) -> dict:
    """A checkpoint written by train_network; a truncated or foreign file is one line, never a traceback."""
    hint = "pass --restart to start over"
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ZeronasError(f"{path} is corrupted or truncated ({first}); {hint}") from None
    if not isinstance(saved, dict) or any(k not in saved for k in REQUIRED_KEYS):
        raise ZeronasError(f"{path} is not a zeronas training checkpoint; {hint}")
    if saved["version"] != CHECKPOINT_VERSION:
        raise ZeronasError(f"{path} is a checkpoint of format {saved['version']}, not {CHECKPOINT_VERSION}; {hint}")
    return saved


def _cpu(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _cpu(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cpu(v) for v in value]
    return value


def _differences(old: dict, new: dict, prefix: str = "") -> str:
    """'config.lr 0.1 -> 0.05, ...': where two settings dicts differ, for a one-line message."""
    diffs = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            inner = _differences(a, b, f"{prefix}{k}.")
            if inner:
                diffs.append(inner)
        elif a != b:
            if k in ("digest", "init") and a is not None and b is not None:
                diffs.append(f"{prefix}{k} differs")
            else:
                diffs.append(f"{prefix}{k} {a} -> {b}")
    return ", ".join(diffs) if prefix else ("differs in: " + ", ".join(diffs) if diffs else "different settings")


def benchmark_valid_acc_12ep(space: str, arch: str, dataset: str, data_root=None) -> float | None:
    """The benchmark's validation accuracy after its 12-epoch schedule on the full dataset, where the space
    has such a column (NATS-Bench) for this dataset; None otherwise."""
    from zeronas.groundtruth import get_benchmark

    try:
        info = get_dataset(dataset)
    except ZeronasError:
        return None
    table = get_benchmark(space, None, data_root)
    if table is None or not table.capabilities.training_results or info.name not in table.capabilities.datasets:
        return None
    return float(table.row(arch)[table.column("valid_acc_12ep", info)])
