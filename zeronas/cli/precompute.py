"""`zeronas precompute` (score every network of a space into the store) and `zeronas export-table`
(write the compact per-benchmark-row table that tabular searches and `zeronas bench` replay)."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console

from zeronas.errors import ZeronasError
from zeronas.spaces import DEFAULT_SPACE

DEFAULT_PROXIES = "naswot,logsynflow,synflow,skip,params,flops"
out = Console()


def _proxy_list(values: list[str]) -> list[str]:
    from zeronas.cli.main import split_list
    from zeronas.proxies import get_proxies

    return [p.name for p in get_proxies(split_list(values))]


def precompute(
    space: str = typer.Option(DEFAULT_SPACE, help="Search space."),
    dataset: str = typer.Option("cifar10", help="cifar10 | cifar100 | imagenet16-120."),
    proxies: list[str] = typer.Option(
        DEFAULT_PROXIES.split(","), "--proxy", "--proxies", help="Proxies to compute (repeat or comma-separate)."
    ),
    workers: int = typer.Option(2, help="Scoring processes, one core each."),
    device: str = typer.Option(
        "cpu", help="Torch device that scores the networks: cpu | cuda | cuda:N (with cuda, --workers 1)."
    ),
    store: Optional[str] = typer.Option(
        None, "--store", envvar="ZERONAS_STORE", help="SQLite score store (default runs/zeronas.sqlite)."
    ),
    limit: Optional[int] = typer.Option(None, help="Score only the first N networks (canonical-key order)."),
    sample: Optional[int] = typer.Option(
        None,
        help="Score a seeded uniform sample of N benchmark cells instead of "
        "every network (needed for nasbench101: 423,624 cells).",
    ),
    table: Optional[str] = typer.Option(None, "--table", help="The space's ground-truth table (for --sample)."),
    inits: int = typer.Option(3, help="Initialisations averaged per network."),
    batch_size: int = typer.Option(64, help="Images per scoring batch."),
    seed: int = typer.Option(0, help="Seed of initialisations and batches."),
    data_root: Optional[str] = typer.Option(None, "--data-root", envvar="ZERONAS_DATA", help="Shared data folder."),
):
    """Score every unique network of a space (one per canonical key); interrupt and rerun to resume."""
    from zeronas.data.datasets import get_dataset
    from zeronas.scoring.bulk import BulkJob, score_archs
    from zeronas.scoring.scorer import ScoringSettings
    from zeronas.spaces import check_dataset, get_space
    from zeronas.store import default_store_path

    for name, value in (("--limit", limit), ("--sample", sample)):
        if value is not None and value < 1:
            raise ZeronasError(f"{name} must be at least 1, got {value}")
    space_obj = get_space(space)
    check_dataset(space_obj, get_dataset(dataset).name)  # a space's networks are defined for its datasets only
    cells = _sampled_cells(space_obj, sample, seed, table, data_root) if sample else _all_cells(space_obj)
    reps = sorted({space_obj.canonical_key(a): space_obj.representative(a) for a in cells}.items())
    archs = [arch for _, arch in reps][:limit]
    path = default_store_path(store)
    job = BulkJob(
        space,
        dataset,
        tuple(_proxy_list(proxies)),
        ScoringSettings(inits, batch_size, seed, device),
        str(path),
        workers,
        data_root=data_root,
    )
    results, _ = score_archs(job, archs)
    fresh = [r for r in results if not r.cached]
    per_arch = sum(r.total_seconds for r in fresh) / len(fresh) if fresh else 0.0
    out.print(f"{len(results)} networks in {path} ({len(fresh)} computed now, {per_arch:.2f} s each)", soft_wrap=True)


def _all_cells(space_obj) -> list:
    if not space_obj.capabilities.enumerable:
        raise ZeronasError(
            f"{space_obj.name} is too large to enumerate: pass --sample N to score a seeded "
            "uniform sample of its benchmark cells"
        )
    return list(space_obj.all())


def _sampled_cells(space_obj, sample: int, seed: int, table, data_root) -> list:
    """A prefix of one seeded permutation of the benchmark's rows: a larger N extends a smaller one."""
    import numpy as np

    from zeronas.groundtruth import get_benchmark

    gt = get_benchmark(space_obj.name, table, data_root)
    if gt is None:
        raise ZeronasError(f"--sample draws from a benchmark table; {space_obj.name} has none")
    rows = np.random.default_rng(seed).permutation(len(gt))[:sample]
    return [space_obj.parse(gt.arch_of(int(r))) for r in rows]


def export_table(
    space: str = typer.Option(DEFAULT_SPACE, help="Search space (its benchmark table lists the rows)."),
    dataset: str = typer.Option("cifar10", help="cifar10 | cifar100 | imagenet16-120."),
    proxies: list[str] = typer.Option(
        DEFAULT_PROXIES.split(","), "--proxy", "--proxies", help="Proxies to export (repeat or comma-separate)."
    ),
    store: Optional[str] = typer.Option(None, "--store", envvar="ZERONAS_STORE", help="SQLite score store."),
    out_dir: Optional[str] = typer.Option(
        None, "--out", help="Folder (default: the package's zeronas/resources/tables)."
    ),
    time_model_from: Optional[str] = typer.Option(
        None,
        help="Price every row with a + b·MFLOPs fitted to the seconds measured in this store "
        "(one machine), instead of each row's own measured seconds.",
    ),
    time_model_json: Optional[str] = typer.Option(
        None,
        help="Price every row with the time model (a, b per proxy) of an earlier table's .json, "
        "unrefitted: for a store whose seconds were not all measured (e.g. rows copied from that table).",
    ),
    provenance: Optional[str] = typer.Option(
        None, help="A JSON file whose object is recorded as 'provenance' in the table's .json."
    ),
    inits: int = typer.Option(3, help="Initialisations the stored scores were averaged over."),
    batch_size: int = typer.Option(64, help="Images per scoring batch of the stored scores."),
    seed: int = typer.Option(0, help="Seed of the stored scores."),
    part: Optional[str] = typer.Option(
        None,
        help="Write <space>-<dataset>.<part>.csv.gz: more proxies for the same cells, with their own settings, "
        "read together with the main table.",
    ),
    table: Optional[str] = typer.Option(
        None, "--table", help="The space's ground-truth table (default: found like all data)."
    ),
    data_root: Optional[str] = typer.Option(None, "--data-root", envvar="ZERONAS_DATA", help="Shared data folder."),
):
    """Write <out>/<space>-<dataset>.csv.gz: every benchmark row's proxy values and seconds."""
    from zeronas.bench.tables import export_table as write
    from zeronas.bench.tables import fit_time_model, table_file
    from zeronas.data.datasets import get_dataset
    from zeronas.groundtruth import get_benchmark
    from zeronas.scoring.scorer import ScoringSettings
    from zeronas.spaces import get_space
    from zeronas.store import default_store_path, open_store

    if time_model_from and time_model_json:
        raise ZeronasError("pass --time-model-from or --time-model-json, not both")
    if part is not None and not part.replace("-", "").replace("_", "").isalnum():
        raise ZeronasError(f"--part {part!r}: use letters, digits, '-' or '_'")
    names = _proxy_list(proxies)
    info = get_dataset(dataset)
    space_obj = get_space(space)
    gt = get_benchmark(space, table, data_root)
    if gt is None or not gt.capabilities.lists_every_cell:
        raise ZeronasError(f"export-table needs a benchmark table listing every cell of {space}")
    tag = ScoringSettings(inits, batch_size, seed).tag()
    with_flops = names if "flops" in names else names + ["flops"]
    db = open_store(default_store_path(store))
    scores = db.all_scores(space, info.name, tag, with_flops if time_model_from or time_model_json else names)
    model = None
    meta = dict(
        space=space,
        dataset=info.name,
        settings=tag,
        store=str(default_store_path(store)),
        time_model_from=time_model_from,
        time_model_networks=None,
    )
    if time_model_from:
        measured = open_store(time_model_from).all_scores(space, info.name, tag, with_flops)
        model = fit_time_model(measured, names, {k: s.values["flops"] for k, s in measured.items()})
        meta["time_model_networks"] = len(measured)
    if time_model_json:
        earlier = _read_json(time_model_json, "--time-model-json")
        model = earlier.get("time_model") or {}
        absent = [p for p in names if p not in model]
        if absent:
            raise ZeronasError(f"{time_model_json} has no time model for proxy {absent[0]!r}")
        model = {p: list(model[p]) for p in names}
        meta.update(
            time_model_from=earlier.get("time_model_from"),
            time_model_networks=earlier.get("time_model_networks"),
            time_model_reused_from=time_model_json,
        )
    if provenance:
        meta["provenance"] = _read_json(provenance, "--provenance")
    path = table_file(space, info.name, out_dir, part)
    frame = write(space_obj, gt.frame, scores, names, path, model, meta)
    out.print(f"wrote {path}: {len(frame)} rows, {len(frame.columns)} columns", soft_wrap=True)


def _read_json(path: str, option: str) -> dict:
    import json
    from pathlib import Path

    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ZeronasError(f"{option}: cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ZeronasError(f"{option}: {path} does not hold a JSON object")
    return data


def register(app: typer.Typer) -> None:
    app.command("precompute")(precompute)
    app.command("export-table")(export_table)
