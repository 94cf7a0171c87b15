"""`zeronas export`: write a found architecture (or a saved model) as a PyTorch module file and ONNX, and check
the ONNX model in ONNX Runtime against PyTorch on real images."""

from __future__ import annotations

import os
from typing import Optional

import typer

from zeronas.errors import ZeronasError
from zeronas.spaces import DEFAULT_SPACE


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_command(
        arch: Optional[str] = typer.Argument(
            None, help="Architecture string, e.g. from `zeronas search` (or give --model)."
        ),
        model_path: Optional[str] = typer.Option(
            None, "--model", help="Export this model.pt (written by export or train, e.g. trained) instead of ARCH."
        ),
        space: str = typer.Option(DEFAULT_SPACE, help="Search space (with ARCH)."),
        dataset: str = typer.Option("cifar10", help="Sets the classifier width and input size (with ARCH)."),
        out: str = typer.Option("model", help="Output folder."),
        onnx: bool = typer.Option(True, help="Also write model.onnx."),
        check: bool = typer.Option(
            True, help="Run model.onnx in ONNX Runtime on real images, compare with PyTorch, measure its latency."
        ),
        images: Optional[str] = typer.Option(
            None,
            "--images",
            help="Your own images, a folder of class folders: with ARCH they set the classes and normalisation (as "
            "in search --images); the ONNX check runs on them.",
        ),
        resolution: Optional[int] = typer.Option(
            None, help="With ARCH and --images: the side images are resized to (default: the dataset's)."
        ),
        data_root: Optional[str] = typer.Option(
            None, "--data-root", envvar="ZERONAS_DATA", help="Data folder (the sample images of the ONNX check)."
        ),
    ):
        """Build the network for an architecture (or load a saved model) and save it (PyTorch, ONNX), ready to
        train; the ONNX model is checked against PyTorch in ONNX Runtime."""
        if (arch is None) == (model_path is None):
            raise ZeronasError(
                "give an architecture string or --model PATH, not both"
                if arch is not None
                else "give an architecture string (ARCH) or --model PATH"
            )
        if arch is not None and (arch.endswith(".pt") or os.path.isfile(arch)):  # a file where ARCH was expected
            raise ZeronasError(f"{arch!r} is a file, not an architecture: export a saved model with --model {arch}")
        if resolution is not None and (images is None or model_path is not None):
            raise ZeronasError("--resolution applies to ARCH with your own --images; a model file has its own")
        from zeronas.paths import writable_folder

        writable_folder(out)  # before any work
        from zeronas.export import export, export_model, load

        if model_path is not None:
            model, meta = load(model_path)
            written = export_model(model, meta, out, onnx, check=check, images=images, data_root=data_root)
        else:
            info = None
            if images is not None:
                from zeronas.data.datasets import folder_dataset, get_dataset

                info, _, _ = folder_dataset(images, resolution or get_dataset(dataset).resolution)
            written = export(space, arch, dataset, out, onnx, info, check=check, images=images, data_root=data_root)
        for kind, path in written.items():
            typer.echo(f"{kind}: {path}")
        if written.check:
            c = written.check
            what = f"real images ({c['image_source']})" if c["real_images"] else "random inputs (pass --images)"
            typer.echo(f"onnx check: max |Δ| = {c['max_abs_diff']:.2g} on {c['images']} {what}")
            typer.echo(
                f"onnx runtime latency: {c['ort_latency_ms']:.3f} ms per image (batch 1, 1 thread; "
                f"PyTorch eager {c['torch_latency_ms']:.3f} ms)"
            )
