"""Where data files come from: one resolution order, one function, one error message.

Order: an explicit file (--table, or its environment variable), then an explicit data folder
(--data-root / $ZERONAS_DATA), then ../shared beside a source checkout, then the copy embedded in the
package (compressed; see DATA_LICENSES). A folder may hold a file as it is or gzip-compressed (`.gz`).
"""

from __future__ import annotations

import os
from pathlib import Path

from zeronas.errors import ZeronasError

DATA_ENV = "ZERONAS_DATA"
EMBEDDED = Path(__file__).resolve().parent / "resources"
_CHECKOUT_SHARED = Path(__file__).resolve().parents[2] / "shared"  # <repo>/zeronas/paths.py -> <repo>/../shared


def data_roots(root: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched, in order: the explicit one alone if given, else ../shared then the embedded copy."""
    explicit = root or os.environ.get(DATA_ENV)
    if explicit:
        return [Path(explicit)]
    return [p for p in (_CHECKOUT_SHARED,) if p.is_dir()] + [EMBEDDED]


def data_file(
    relative: str,
    what: str,
    root: str | os.PathLike | None = None,
    file: str | os.PathLike | None = None,
    file_env: str | None = None,
) -> Path:
    """Resolve a data file such as 'benchmarks/nats-tss.csv'; raise one line naming every place looked at."""
    explicit = file or (os.environ.get(file_env) if file_env else None)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            source = "--table" if file else f"${file_env}"
            raise ZeronasError(f"{what} not found: {path} (given by {source})")
        return path
    looked = []
    for folder in data_roots(root):
        for candidate in (folder / relative, folder / f"{relative}.gz"):
            if candidate.is_file():
                return candidate
        looked.append(str(folder / relative))
    hint = f"pass --data-root or set {DATA_ENV}" + (f" (or {file_env} for this file)" if file_env else "")
    raise ZeronasError(f"{what} not found: looked for {' and '.join(looked)}; {hint}")


def data_root(override: str | os.PathLike | None = None) -> Path:
    """The first data folder searched (for messages and for folders that are never embedded)."""
    return data_roots(override)[0]


def require_file(path: Path, what: str, hint: str = "") -> Path:
    """Return path if it is a file, else raise a one-line error naming what is missing."""
    if not path.is_file():
        extra = f" ({hint})" if hint else ""
        raise ZeronasError(f"{what} not found: {path}{extra}")
    return path


def read_csv_table(path: str | os.PathLike, what: str):
    """A benchmark CSV (plain or .gz) as a DataFrame; an unreadable file is one line naming what it should be.

    The bytes are checked before pandas sees them, so a binary file (an .npz, a gzip file without its .gz
    name, random bytes) or an empty one is refused in words rather than with a codec or parser message."""
    import gzip
    import io
    import zlib

    import pandas as pd

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ZeronasError(f"cannot read {what} table {path}: {exc.strerror or exc}") from None
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            reason = "truncated" if isinstance(exc, EOFError) else "not gzip-compressed"
            raise ZeronasError(f"cannot read {what} table {path}: the file is named .gz but is {reason}") from None
    if not raw.strip():
        raise ZeronasError(f"{what} table {path} is empty (a CSV file with a header row is expected)")
    try:
        raw.decode("utf-8")  # a BOM is fine: pandas drops it
        text = b"\x00" not in raw
    except UnicodeDecodeError:
        text = False
    if not text:
        magic = {
            b"\x1f\x8b": "gzip-compressed data: name it .csv.gz",
            b"PK\x03\x04": "a zip archive such as an .npz",
            b"PK\x05\x06": "a zip archive such as an .npz",
            b"\x93NUMPY": "a NumPy .npy array",
            b"SQLite format 3\x00": "an SQLite database",
        }
        kind = next((name for head, name in magic.items() if raw.startswith(head)), "binary data")
        raise ZeronasError(f"{what} table {path} is not a CSV text file (it holds {kind})")
    try:
        return pd.read_csv(io.BytesIO(raw))
    except pd.errors.EmptyDataError:
        raise ZeronasError(f"{what} table {path} is empty (a CSV file with a header row is expected)") from None
    except Exception as exc:
        first = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ZeronasError(f"cannot read {what} table {path}: {first.strip()}") from None


def writable_folder(folder: str | os.PathLike) -> Path:
    """Create folder if needed and check it can be written, before any work whose results would go there."""
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".zeronas-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ZeronasError(f"cannot write to {path}: {exc.strerror or exc}") from None
    return path
