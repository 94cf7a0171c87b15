"""`zeronas train`: train a found (or given) architecture on real images, resumably."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from zeronas.errors import ZeronasError
from zeronas.spaces import DEFAULT_SPACE

err = Console(stderr=True)
out = Console()


def _line(console: Console, text: str) -> None:
    console.print(text, soft_wrap=True, highlight=False, markup=False)


class _Progress:
    """A bar over all steps with the running loss/accuracy on a terminal, and one line per epoch everywhere."""

    def __init__(self, console: Console, out_dir: Path):
        self.console, self.out_dir = console, out_dir
        self.bar = self.task = None
        self.last_saved: tuple[int, int, int] | None = None
        self.steps = self.epochs = 0

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def resumed(self, epoch: int, batch: int, step: int, steps_per_epoch: int, epochs: int) -> None:
        self.last_saved = (epoch, batch, step)
        where = (
            "its training had finished"
            if epoch >= epochs
            else f"epoch {epoch + 1}/{epochs}, batch {batch + 1}/{steps_per_epoch} (step {step})"
        )
        _line(self.console, f"zeronas: resuming from {self.out_dir / 'checkpoint.pt'}: {where}")

    def started(self, epoch: int, batch: int, steps_per_epoch: int, epochs: int) -> None:
        self.steps, self.epochs = steps_per_epoch, epochs
        if not self.console.is_terminal or epoch >= epochs:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("loss {task.fields[loss]}  acc {task.fields[acc]}"),
            console=self.console,
            transient=True,
        )
        self.bar.__enter__()
        self.task = self.bar.add_task(f"epoch {epoch + 1}/{epochs}", total=steps_per_epoch, loss="-", acc="-")
        self.bar.update(self.task, completed=batch)

    def step(self, epoch: int, batch: int, loss: float, acc: float) -> None:
        if self.bar is not None:
            self.bar.update(
                self.task,
                description=f"epoch {epoch + 1}/{self.epochs}",
                completed=batch,
                loss=f"{loss:.4f}",
                acc=f"{acc:.2f} %",
            )

    def epoch(self, row: dict) -> None:
        val = f"val loss {row['val_loss']:.4f} acc {row['val_acc']:.2f} %" if row["val_acc"] == row["val_acc"] else ""
        _line(
            self.console,
            f"epoch {row['epoch']}/{self.epochs}  train loss {row['train_loss']:.4f} acc {row['train_acc']:.2f} %  "
            f"{val}  lr {row['lr']:.4g}  {row['seconds']:.1f} s",
        )
        if self.bar is not None:
            self.bar.reset(self.task, total=self.steps, description=f"epoch {row['epoch'] + 1}/{self.epochs}")

    def saved(self, epoch: int, batch: int, step: int) -> None:
        self.last_saved = (epoch, batch, step)


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train_command(
        arch: Optional[str] = typer.Argument(
            None, help="Architecture string, e.g. from `zeronas search` (or give --model)."
        ),
        model: Optional[str] = typer.Option(
            None, "--model", help="Continue from a model.pt written by `zeronas export` / `search --export` instead."
        ),
        space: Optional[str] = typer.Option(None, help=f"Search space (default {DEFAULT_SPACE}, or the --model's)."),
        dataset: Optional[str] = typer.Option(
            None,
            help="cifar10 | cifar100 | imagenet16-120 (default cifar10, or the --model's): the sample trained on "
            "without --images, the default --resolution, and the benchmark column shown.",
        ),
        images: Optional[str] = typer.Option(
            None, "--images", help="Train on a folder of class folders (<class>/<image>.jpg)."
        ),
        val: Optional[str] = typer.Option(
            None, "--val", help="With --images: a validation folder of the same classes (default: a split)."
        ),
        resolution: Optional[int] = typer.Option(
            None, help="With --images: the side images are resized to (default: the dataset's, e.g. 32)."
        ),
        cifar_batches: Optional[str] = typer.Option(
            None,
            "--cifar-batches",
            help="Train on full CIFAR from its python batches (cifar-10-batches-py), validated on the test batch.",
        ),
        epochs: int = typer.Option(12, help="Epochs (NATS-Bench's searches use its 12-epoch schedule)."),
        batch_size: int = typer.Option(256, "--batch-size", help="Images per step."),
        lr: float = typer.Option(0.1, help="Initial learning rate (SGD, Nesterov momentum 0.9, cosine to 0)."),
        weight_decay: float = typer.Option(5e-4, "--weight-decay", help="Weight decay."),
        label_smoothing: float = typer.Option(0.0, "--label-smoothing", help="Label smoothing of the loss."),
        val_fraction: float = typer.Option(
            0.1, "--val-fraction", help="Share of each class held out for validation (without --val/--cifar-batches)."
        ),
        seed: int = typer.Option(0, help="Seed of the initialisation, the split, the shuffle and the augmentation."),
        device: str = typer.Option("cpu", help="Torch device that trains: cpu | cuda | cuda:N."),
        out_dir: str = typer.Option("runs/train", "--out", help="Output folder: checkpoint.pt, history.csv, model.pt."),
        restart: bool = typer.Option(False, "--restart", help="Start over, ignoring a checkpoint in --out."),
        checkpoint_every: int = typer.Option(
            50, "--checkpoint-every", help="Also write a checkpoint every N steps (0: only after each epoch)."
        ),
        augment: bool = typer.Option(True, help="Random crop (zero padding 1/8 of the side) and horizontal flip."),
        data_root: Optional[str] = typer.Option(
            None, "--data-root", envvar="ZERONAS_DATA", help="Shared data folder (sample images, benchmark table)."
        ),
    ):
        """Train an architecture (NATS-Bench's recipe by default), resumably; writes model.pt and history.csv."""
        from zeronas.data.datasets import get_dataset
        from zeronas.paths import writable_folder
        from zeronas.spaces import get_space

        started = time.perf_counter()
        if (arch is None) == (model is None):
            raise ZeronasError("give an architecture string or --model PATH (one of them)")
        for option, folder in (("--images", images), ("--val", val), ("--cifar-batches", cifar_batches)):
            if folder is not None and not Path(folder).is_dir():
                what = "is a file, not a folder" if Path(folder).is_file() else "not found"
                raise ZeronasError(f"{option} folder {what}: {folder}")
        if arch is not None:
            space = space or DEFAULT_SPACE
            dataset = dataset or "cifar10"
            arch = get_space(space).format(get_space(space).parse(arch))
        if dataset is not None:
            get_dataset(dataset)  # an unknown name fails here, before any work
        out_path = writable_folder(out_dir)

        from zeronas.training import TrainConfig, benchmark_valid_acc_12ep, load_data, train_network
        from zeronas.training.trainer import training_device

        training_device(device)
        if model is not None:
            from zeronas.export import load

            _, meta = load(model)
            own_images = meta["dataset"].startswith("folder:")
            for option, given, saved in (("--space", space, meta["space"]), ("--dataset", dataset, meta["dataset"])):
                if given is not None and given != saved and not (option == "--dataset" and own_images):
                    raise ZeronasError(f"{option} {given} differs from the {saved} that {model} was made for")
            space, arch = meta["space"], meta["arch"]
            if own_images:
                if images is None:
                    raise ZeronasError(f"{model} was made for your own images ({meta['dataset']}): pass --images")
                dataset = dataset or "cifar10"
            else:
                dataset = meta["dataset"]
            if images is not None and resolution is None:
                resolution = meta["resolution"]
        config = TrainConfig(
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            weight_decay=weight_decay,
            label_smoothing=label_smoothing,
            val_fraction=val_fraction,
            seed=seed,
            device=device,
            augment=augment,
        )
        config.check()
        data = load_data(dataset, images, val, resolution, cifar_batches, val_fraction, seed, data_root)
        progress = _Progress(err, out_path)
        try:
            with progress:
                result = train_network(
                    data,
                    config,
                    out_path,
                    space=space,
                    arch=None if model else arch,
                    dataset=dataset,
                    init_model=model,
                    restart=restart,
                    checkpoint_every=checkpoint_every,
                    callbacks=progress,
                )
        except KeyboardInterrupt:
            if progress.last_saved:
                epoch, batch, step = progress.last_saved
                where = f"{out_path / 'checkpoint.pt'} (epoch {epoch + 1}, batch {batch + 1}, step {step})"
                _line(err, f"zeronas: interrupted; run the same command to resume from {where}")
            else:
                _line(err, "zeronas: interrupted before the first checkpoint")
            raise typer.Exit(130) from None
        try:
            bench = benchmark_valid_acc_12ep(space, result.meta["arch"], dataset, data_root)
            bench_note = None
        except ZeronasError as exc:
            bench, bench_note = None, str(exc)
        _report(result, data, config, bench, bench_note, dataset, time.perf_counter() - started)


def _report(result, data, config, bench, bench_note, dataset, wall_s) -> None:
    last = result.final
    recipe = (
        f"{config.epochs} epoch{'s' if config.epochs != 1 else ''}, batch {config.batch_size}, SGD lr {config.lr:g} "
        f"(Nesterov momentum {config.momentum:g}, cosine to 0), weight decay {config.weight_decay:g}, label smoothing "
        f"{config.label_smoothing:g}, {'crop + flip' if config.augment else 'no augmentation'}, seed {config.seed}"
    )
    rows = [
        ("architecture", result.meta["arch"]),
        ("data", data.describe()),
        ("recipe", recipe),
        ("train accuracy", f"{last['train_acc']:.2f} % (loss {last['train_loss']:.4f}, last epoch, augmented)"),
    ]
    if last["val_acc"] == last["val_acc"]:
        rows.append(
            ("val accuracy", f"{last['val_acc']:.2f} % (loss {last['val_loss']:.4f}, {len(data.val_images)} images)")
        )
    else:
        rows.append(("val accuracy", "none: no validation images (--val-fraction 0)"))
    if bench is not None:
        rows.append(
            (
                "benchmark 12ep",
                f"{bench:.2f} % NATS-Bench validation accuracy of this cell after its 12-epoch schedule on the full "
                f"{dataset} training set (the benchmark's figure, not the data trained on here)",
            )
        )
    elif bench_note:
        rows.append(("benchmark 12ep", f"unavailable: {bench_note}"))
    rows += [
        ("wall time", f"{wall_s:.1f} s"),
        ("model", str(result.out / "model.pt")),
        ("history", str(result.out / "history.csv")),
    ]
    for key, value in rows:
        _line(out, f"{key:<17}{value}")
