"""Files ganedge writes: all at once or not at all, checked before the work starts.

Every file ganedge writes (checkpoints, configs, plots, models, PNGs, tables)
goes through :func:`atomic_write`: a temp file in the destination's folder,
renamed over the destination only when complete, so an error, Ctrl-C or a
kill never leaves half a file. :func:`check_writable` refuses a destination
before any work is spent on it. An ``OSError`` while writing becomes a
one-line :class:`~ganedge.runtime.base.errors.GanRuntimeError` naming the
option (``what``) and the path.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import GanRuntimeError

NPZ_DATE = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same arrays give the same .npz bytes


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def check_writable(path: Path | str, what: str = "the output") -> None:
    """Fail before any work when ``path`` cannot be written as a file.

    Creates and removes a probe file in the destination folder, so it holds
    for root too (``os.access`` says yes to root even on a read-only mount).

    Examples
    --------
    >>> check_writable("no-such-folder/grid.png", "--out")
    Traceback (most recent call last):
    ...
    ganedge.runtime.base.errors.GanRuntimeError: --out 'no-such-folder/grid.png': folder 'no-such-folder' does not exist
    """
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise GanRuntimeError(f"{what} {str(path)!r} is a folder; give a file name")
    if not folder.is_dir():
        raise GanRuntimeError(f"{what} {str(path)!r}: folder {str(folder)!r} does not exist")
    try:
        handle, probe = tempfile.mkstemp(prefix=".ganedge-write-test-", dir=folder)
    except OSError as error:
        raise GanRuntimeError(f"{what} {str(path)!r}: folder {str(folder)!r} is not writable ({_reason(error)})") from None
    os.close(handle)
    os.unlink(probe)


def atomic_write(path: Path | str, write: Callable[[str], None], what: str = "file") -> Path:
    """Call ``write(tmp_name)`` to fill a temp file beside ``path``, then rename it to ``path``.

    The temp file gets the permissions a plain ``open(path, "w")`` would
    (``mkstemp`` alone makes it owner-only), and is removed if ``write``
    fails. An ``OSError`` becomes a :class:`GanRuntimeError` naming ``what``.

    Examples
    --------
    >>> atomic_write("out.txt", lambda name: Path(name).write_text("done"), "--out")
    PosixPath('out.txt')
    """
    path = Path(path)
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise GanRuntimeError(f"cannot write {what} {str(path)!r}: {_reason(error)}") from None
    os.close(handle)
    try:
        os.chmod(tmp_name, 0o666 & ~_current_umask())
        write(tmp_name)
        os.replace(tmp_name, path)
    except OSError as error:
        Path(tmp_name).unlink(missing_ok=True)
        raise GanRuntimeError(f"cannot write {what} {str(path)!r}: {_reason(error)}") from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: Path | str, data: bytes, what: str = "file") -> Path:
    """``data`` to ``path``, atomically."""
    return atomic_write(path, lambda tmp_name: Path(tmp_name).write_bytes(data), what)


def write_text(path: Path | str, text: str, what: str = "file") -> Path:
    """``text`` (UTF-8) to ``path``, atomically."""
    return write_bytes(path, text.encode("utf-8"), what)


def write_json(path: Path | str, payload: Any, what: str = "--json") -> Path:
    """``payload`` as sorted, indented JSON, atomically.

    Examples
    --------
    >>> write_json("numbers.json", {"b": 1, "a": 2}).read_text()
    '{\\n  "a": 2,\\n  "b": 1\\n}\\n'
    """
    return write_text(path, json.dumps(payload, indent=2, sort_keys=True) + "\n", what)


def write_csv(path: Path | str, header: Sequence[str], rows: Sequence[Sequence[Any]], what: str = "--csv") -> Path:
    """A header line and ``rows`` as CSV (``\\n`` line ends), atomically.

    Examples
    --------
    >>> write_csv("table.csv", ["a", "b"], [(1, 2)]).read_text()
    'a,b\\n1,2\\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return write_text(path, buffer.getvalue(), what)


def write_records_csv(path: Path | str, records: Sequence[Mapping[str, Any]], what: str = "--csv") -> Path:
    """Dicts with the same keys as CSV, the keys as header, atomically."""
    header = list(records[0]) if records else []
    return write_csv(path, header, [[record[key] for key in header] for record in records], what)


def save_npz(path: Path | str, arrays: Mapping[str, np.ndarray], what: str = "--npz") -> Path:
    """Like ``np.savez_compressed`` but atomic and byte-reproducible (fixed zip timestamps, no pickles).

    Examples
    --------
    >>> save_npz("arrays.npz", {"z": np.zeros(3, np.float32)}).name
    'arrays.npz'
    """

    def write(tmp_name: str) -> None:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=NPZ_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w") as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)

    return atomic_write(path, write, what)
