"""`zeronas export`: write a found architecture as a PyTorch module file and ONNX."""

from __future__ import annotations

import typer

from zeronas.spaces import DEFAULT_SPACE


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_command(
        arch: str = typer.Argument(..., help="Architecture string, e.g. from `zeronas search`."),
        space: str = typer.Option(DEFAULT_SPACE, help="Search space."),
        dataset: str = typer.Option("cifar10", help="Sets the classifier width and input size."),
        out: str = typer.Option("model", help="Output folder."),
        onnx: bool = typer.Option(True, help="Also write model.onnx."),
    ):
        """Build the network for an architecture and save it (PyTorch, ONNX), ready to train."""
        from zeronas.export import export

        for kind, path in export(space, arch, dataset, out, onnx).items():
            typer.echo(f"{kind}: {path}")
