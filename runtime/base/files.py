"""Files ganedge writes: all at once or not at all, checked before the work starts, never over an input.

Every file ganedge writes (checkpoints, configs, plots, models, PNGs, tables)
goes through :func:`write_all`: each file to a temp beside its destination,
and only when every one is complete are they renamed into place, so an
error, Ctrl-C or a kill never leaves half a file, and a command with several
outputs leaves all of them or none. The rules for a destination, checked up
front by :func:`check_writable` and again when writing:

- its folder must exist and take a new file (probed, so it holds for root,
  to whom ``os.access`` says yes even on ``/sys``);
- a symlink is followed: the file it points to is replaced, the link stays;
- an existing destination that is not a regular file (a device such as
  ``/dev/null``, a FIFO, a socket) is refused, never replaced;
- :func:`check_distinct` refuses an output that is one of the command's
  inputs or another of its outputs.

An ``OSError`` (disk full, a name too long) becomes a one-line
:class:`~ganedge.runtime.base.errors.GanRuntimeError` naming the option
(``what``) and the path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import GanRuntimeError

NPZ_DATE = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same arrays give the same .npz bytes
Writer = Callable[[str], None]  # fills the file at the temp path it is given


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def destination(path: Path | str, what: str = "the output") -> Path:
    """The file a write to ``path`` really replaces: symlinks followed; a non-regular file is refused.

    Examples
    --------
    >>> destination("/dev/null", "--out")
    Traceback (most recent call last):
    ...
    ganedge.runtime.base.errors.GanRuntimeError: --out '/dev/null' is a character device, not a regular file; give a file path
    """
    try:
        real = Path(os.path.realpath(path))
        mode = os.stat(real).st_mode if os.path.lexists(real) else None
    except OSError as error:
        raise GanRuntimeError(f"{what} {str(path)!r}: {_reason(error)}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise GanRuntimeError(f"{what} {str(path)!r} is a folder; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        kind = ("a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
                else "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
        raise GanRuntimeError(f"{what} {str(path)!r} is {kind}, not a regular file; give a file path")
    return real


def _new_temp_file(folder: Path, name: str) -> str:
    """Create an empty, new file ``.<name>.<random>.tmp`` in ``folder`` (what ``tempfile.mkstemp`` does,
    without its import cost on every command's start)."""
    for _ in range(100):
        candidate = folder / f".{name}.{os.urandom(4).hex()}.tmp"
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return str(candidate)
    raise FileExistsError(f"no free temp name in {folder}")


def check_writable(path: Path | str, what: str = "the output") -> None:
    """Fail before any work when ``path`` cannot be written as a file (see the module docstring).

    Examples
    --------
    >>> check_writable("no-such-folder/grid.png", "--out")
    Traceback (most recent call last):
    ...
    ganedge.runtime.base.errors.GanRuntimeError: --out 'no-such-folder/grid.png': folder 'no-such-folder' does not exist
    """
    real = destination(path, what)
    folder = real.parent
    if not folder.is_dir():
        raise GanRuntimeError(f"{what} {str(path)!r}: folder {str(Path(path).parent)!r} does not exist")
    try:
        probe = _new_temp_file(folder, real.name)
    except OSError as error:
        raise GanRuntimeError(f"{what} {str(path)!r}: cannot create a file in {str(folder)!r} ({_reason(error)})") from None
    os.unlink(probe)


def _identity(path: Path | str) -> tuple[int, int] | str:
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError:
        return real
    return info.st_dev, info.st_ino


def check_distinct(outputs: Mapping[str, Path | str | None], inputs: Mapping[str, Path | str | None] = {}) -> None:
    """Refuse an output that is one of the inputs (it would destroy it) or another output (one would be lost).

    Paths are compared after following symlinks, and existing files by device
    and inode, so ``./g.onnx``, ``g.onnx`` and a link to it are the same file.

    Examples
    --------
    >>> check_distinct({"--out": "g.onnx"}, {"--model": "./g.onnx"})
    Traceback (most recent call last):
    ...
    ganedge.runtime.base.errors.GanRuntimeError: --out 'g.onnx' is the --model file: writing it would destroy it; give another --out
    """
    seen: dict[tuple[int, int] | str, str] = {}
    for what, path in inputs.items():
        if path is not None:
            seen.setdefault(_identity(path), what)
    taken: dict[tuple[int, int] | str, str] = {}
    for what, path in outputs.items():
        if path is None:
            continue
        key = _identity(path)
        if key in seen:
            raise GanRuntimeError(f"{what} {str(path)!r} is the {seen[key]} file: writing it would destroy it; "
                                  f"give another {what}")
        if key in taken:
            raise GanRuntimeError(f"{what} {str(path)!r} is also {taken[key]}: one output would overwrite the other; "
                                  f"give each its own file")
        taken[key] = what


def write_all(files: Sequence[tuple[Path | str, Writer, str]]) -> list[Path]:
    """Write every ``(path, writer, what)`` to a temp file beside it, then rename them all into place.

    Either every file is published or none: a failure (or Ctrl-C) in any
    writer removes all the temp files and leaves every destination as it
    was. Temp files get the permissions a plain ``open(path, "w")`` would.

    Examples
    --------
    >>> write_all([("a.txt", text_writer("one"), "--a"), ("b.txt", text_writer("two"), "--b")])
    [PosixPath('a.txt'), PosixPath('b.txt')]
    """
    staged: list[tuple[str, Path, str]] = []
    try:
        for path, write, what in files:
            real = destination(path, what)
            try:
                tmp_name = _new_temp_file(real.parent, real.name)
            except OSError as error:
                raise GanRuntimeError(f"cannot write {what} {str(path)!r}: {_reason(error)}") from None
            staged.append((tmp_name, real, what))
            try:
                os.chmod(tmp_name, 0o666 & ~_current_umask())
                write(tmp_name)
            except OSError as error:
                raise GanRuntimeError(f"cannot write {what} {str(path)!r}: {_reason(error)}") from None
        for tmp_name, real, what in staged:
            try:
                os.replace(tmp_name, real)
            except OSError as error:
                raise GanRuntimeError(f"cannot write {what} {str(real)!r}: {_reason(error)}") from None
    except BaseException:
        for tmp_name, _, _ in staged:
            Path(tmp_name).unlink(missing_ok=True)
        raise
    return [Path(path) for path, _, _ in files]


def atomic_write(path: Path | str, write: Writer, what: str = "file") -> Path:
    """Write one file all at once or not at all (:func:`write_all` with one file).

    Examples
    --------
    >>> atomic_write("out.txt", lambda name: Path(name).write_text("done"), "--out")
    PosixPath('out.txt')
    """
    return write_all([(path, write, what)])[0]


def bytes_writer(data: bytes) -> Writer:
    """A writer of ``data``."""
    return lambda tmp_name: Path(tmp_name).write_bytes(data)


def text_writer(text: str) -> Writer:
    """A writer of ``text`` as UTF-8."""
    return bytes_writer(text.encode("utf-8"))


def json_writer(payload: Any) -> Writer:
    """A writer of ``payload`` as sorted, indented JSON (strict: NaN and infinity are refused, not written)."""
    import json

    try:
        text = json.dumps(payload, indent=2, sort_keys=True, allow_nan=False) + "\n"
    except ValueError as error:
        raise GanRuntimeError(f"cannot write JSON: {error} (a measurement was not a finite number)") from None
    return text_writer(text)


def csv_writer(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Writer:
    """A writer of a header line and ``rows`` as CSV (``\\n`` line ends)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text_writer(buffer.getvalue())


def records_csv_writer(records: Sequence[Mapping[str, Any]]) -> Writer:
    """A writer of dicts with the same keys as CSV, the keys as header."""
    header = list(records[0]) if records else []
    return csv_writer(header, [[record[key] for key in header] for record in records])


def npz_writer(arrays: Mapping[str, np.ndarray]) -> Writer:
    """A writer like ``np.savez_compressed`` but byte-reproducible (fixed zip timestamps) and without pickles."""
    import zipfile

    def write(tmp_name: str) -> None:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=NPZ_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w") as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)

    return write


def write_bytes(path: Path | str, data: bytes, what: str = "file") -> Path:
    """``data`` to ``path``, atomically."""
    return atomic_write(path, bytes_writer(data), what)


def write_text(path: Path | str, text: str, what: str = "file") -> Path:
    """``text`` (UTF-8) to ``path``, atomically."""
    return atomic_write(path, text_writer(text), what)


def write_json(path: Path | str, payload: Any, what: str = "--json") -> Path:
    """``payload`` as sorted, indented JSON, atomically.

    Examples
    --------
    >>> write_json("numbers.json", {"b": 1, "a": 2}).read_text()
    '{\\n  "a": 2,\\n  "b": 1\\n}\\n'
    """
    return atomic_write(path, json_writer(payload), what)


def write_csv(path: Path | str, header: Sequence[str], rows: Sequence[Sequence[Any]], what: str = "--csv") -> Path:
    """A header line and ``rows`` as CSV, atomically.

    Examples
    --------
    >>> write_csv("table.csv", ["a", "b"], [(1, 2)]).read_text()
    'a,b\\n1,2\\n'
    """
    return atomic_write(path, csv_writer(header, rows), what)


def save_npz(path: Path | str, arrays: Mapping[str, np.ndarray], what: str = "--npz") -> Path:
    """Arrays as a reproducible ``.npz``, atomically.

    Examples
    --------
    >>> save_npz("arrays.npz", {"z": np.zeros(3, np.float32)}).name
    'arrays.npz'
    """
    return atomic_write(path, npz_writer(arrays), what)


def check_outputs(outputs: Mapping[str, Path | str | None], inputs: Mapping[str, Path | str | None] = {}) -> None:
    """Everything a command checks about its outputs before any work: distinct from the inputs and each other, writable.

    Examples
    --------
    >>> check_outputs({"--out": "grid.png", "--npz": "grid.png"})
    Traceback (most recent call last):
    ...
    ganedge.runtime.base.errors.GanRuntimeError: --npz 'grid.png' is also --out: one output would overwrite the other; give each its own file
    """
    check_distinct(outputs, inputs)
    for what, path in outputs.items():
        if path is not None:
            check_writable(path, what)
