"""The run folder: where one training run keeps everything it produces.

Layout (``--out``, default ``runs/<time>-seed<seed>``)::

    config.json       every option, versions, dataset checksums
    checkpoint.pt     last good state (atomic)
    losses.csv        step, epoch, loss_d, loss_g
    quality.csv       epoch, step, classifier-FD (test split), classes >= 2%,
                      classifier-FD (training images) (with --eval-every)
    best.pt           the checkpoint with the lowest training-image FD (with --keep-best)
    losses.png        loss curves
    samples.png       final grid from 8 fixed latents
    samples/epoch_NNN.png, progress.png   the same 8 latents after every epoch

A ``latest`` symlink beside the run folder points at the newest run (for the
default ``runs/<...>`` that is ``runs/latest``), so ``gan-export`` and
``gan-run`` find the user's own model without arguments.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable

from ganedge.runtime.atomic import atomic_write

from .errors import TrainError

RUNS_DIR = Path("runs")
LATEST_NAME = "latest"
CONFIG_NAME = "config.json"
LOSSES_NAME = "losses.csv"
LOSS_FIELDS = ("step", "epoch", "loss_d", "loss_g")
QUALITY_NAME = "quality.csv"
QUALITY_FIELDS = ("epoch", "step", "frechet_distance", "classes_present", "selection_distance")
QualityRow = tuple[int, int, float, int, float]


def default_run_dir(seed: int) -> Path:
    return RUNS_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}-seed{seed}"


def prepare_new_run(path: Path, overwrite: bool) -> None:
    """Create an empty run folder; refuse to clobber an existing run unless ``overwrite``."""
    if path.exists() and not path.is_dir():
        raise TrainError(f"--out {path} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()):
        if not overwrite:
            raise TrainError(
                f"run folder {path} already exists; pass --resume {path} to continue it, "
                "--overwrite to replace it, or another --out"
            )
        if not (path / CONFIG_NAME).is_file():
            raise TrainError(f"--overwrite refuses to delete {path}: it is not a ganedge run folder (no {CONFIG_NAME})")
        shutil.rmtree(path)
    try:
        (path / "samples").mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-")
        probe.close()
    except OSError as error:
        raise TrainError(f"cannot write to run folder {path}: {error.strerror or error}") from None


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file and rename, so readers never see half a file."""
    atomic_write(path, lambda tmp_name: Path(tmp_name).write_text(text, encoding="utf-8"))


def write_config(run_dir: Path, record: dict[str, Any]) -> None:
    write_text_atomic(run_dir / CONFIG_NAME, json.dumps(record, indent=2, sort_keys=True) + "\n")


def read_config(run_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((run_dir / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TrainError(f"cannot read {run_dir / CONFIG_NAME}: {error}") from None


def _write_table(path: Path, fields: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())


def _read_table(path: Path, types: tuple[type, ...]) -> list[tuple]:
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader, None)  # header
        return [tuple(kind(value) for kind, value in zip(types, row)) for row in reader]


def write_losses(run_dir: Path, rows: Iterable[tuple[int, int, float, float]]) -> None:
    _write_table(run_dir / LOSSES_NAME, LOSS_FIELDS,
                 ((step, epoch, f"{loss_d:.6f}", f"{loss_g:.6f}") for step, epoch, loss_d, loss_g in rows))


def read_losses(run_dir: Path, up_to_step: int) -> list[tuple[int, int, float, float]]:
    """The loss history of a run, cut at ``up_to_step`` (steps after the checkpoint are replayed on resume)."""
    rows = _read_table(run_dir / LOSSES_NAME, (int, int, float, float))
    return [row for row in rows if row[0] <= up_to_step]


def point_latest(run_dir: Path) -> None:
    """Make ``<parent>/latest`` point at ``run_dir`` (atomically replacing an older link)."""
    parent = run_dir.resolve().parent
    latest = parent / LATEST_NAME
    if latest.exists() and not latest.is_symlink():
        return  # a real folder named "latest": leave the user's data alone
    target = run_dir.resolve().name
    tmp = parent / f".{LATEST_NAME}.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, latest)


def write_quality(run_dir: Path, rows: Iterable[QualityRow]) -> None:
    _write_table(run_dir / QUALITY_NAME, QUALITY_FIELDS,
                 ((epoch, step, f"{fd:.4f}", present, f"{selection:.4f}") for epoch, step, fd, present, selection in rows))


def read_quality(run_dir: Path, up_to_step: int) -> list[QualityRow]:
    """The quality history of a run, cut at ``up_to_step`` like :func:`read_losses`.

    Runs from before ganedge recorded the selection distance get NaN there.
    """
    rows = _read_table(run_dir / QUALITY_NAME, (int, int, float, int, float))
    return [(*row, float("nan"))[:len(QUALITY_FIELDS)] for row in rows if row[1] <= up_to_step]
