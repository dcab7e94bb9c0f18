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
import json
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ganedge.runtime.base.files import check_writable, write_csv, write_json

from .errors import TrainError

RUNS_DIR = Path("runs")
LATEST_NAME = "latest"
CONFIG_NAME = "config.json"
LOSSES_NAME = "losses.csv"
LOSS_FIELDS = ("step", "epoch", "loss_d", "loss_g")
QUALITY_NAME = "quality.csv"
QUALITY_FIELDS = ("epoch", "step", "frechet_distance", "classes_present", "selection_distance")
LossRow = tuple[int, int, float, float]


@dataclass(frozen=True)
class QualityPoint:
    """One row of ``quality.csv``: a measured epoch (``gan-train --eval-every``)."""

    epoch: int
    step: int
    frechet_distance: float  # against the test split
    classes_present: int
    selection_distance: float  # against training images: what --keep-best minimises


def default_run_dir(seed: int) -> Path:
    return RUNS_DIR / f"{time.strftime('%Y%m%d-%H%M%S')}-seed{seed}"


def prepare_new_run(path: Path, overwrite: bool) -> bool:
    """Create an empty run folder; refuse to clobber an existing run unless ``overwrite``.

    Returns whether the folder was created here (so a run that saves nothing can remove it again).
    """
    if path.exists() and not path.is_dir():
        raise TrainError(f"--out {path} exists and is not a folder")
    created = not path.exists()
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
    except OSError as error:
        raise TrainError(f"cannot write to run folder {path}: {error.strerror or error}") from None
    check_writable(path / CONFIG_NAME, "run folder")
    return created


def remove_unsaved_run(path: Path) -> None:
    """Delete a run folder this run created that holds no checkpoint (only its config and empty folders)."""
    if not (path / "checkpoint.pt").exists():
        shutil.rmtree(path, ignore_errors=True)


def write_config(run_dir: Path, record: dict[str, Any]) -> None:
    write_json(run_dir / CONFIG_NAME, record, "config.json")


def read_config(run_dir: Path) -> dict[str, Any]:
    try:
        record = json.loads((run_dir / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TrainError(f"cannot read {run_dir / CONFIG_NAME}: {error}") from None
    if not isinstance(record, dict):
        raise TrainError(f"{run_dir / CONFIG_NAME} is not a ganedge run record (a JSON object)")
    return record


def _read_table(path: Path, fields: Sequence[str], types: Sequence[Callable[[str], Any]],
                minimum: int) -> list[tuple[Any, ...]]:
    """The rows of a CSV table ganedge wrote (older runs may lack trailing columns, down to ``minimum``).

    A damaged file is a one-line ``TrainError`` naming it.
    """
    if not path.is_file():
        return []
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            header = tuple(next(reader, ()))
            if len(header) < minimum or header != tuple(fields[:len(header)]):
                raise ValueError(f"its header is {list(header)}, expected {list(fields)}")
            rows = []
            for number, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    raise ValueError(f"line {number} has {len(row)} values, the header {len(header)}")
                rows.append(tuple(kind(value) for kind, value in zip(types, row)))
            return rows
    except (OSError, ValueError, UnicodeDecodeError, csv.Error) as error:
        raise TrainError(f"{path} is damaged ({error}); restore it or start a new run") from None


def write_losses(run_dir: Path, rows: Iterable[LossRow]) -> None:
    write_csv(run_dir / LOSSES_NAME, LOSS_FIELDS,
              [(step, epoch, f"{loss_d:.6f}", f"{loss_g:.6f}") for step, epoch, loss_d, loss_g in rows], LOSSES_NAME)


def read_losses(run_dir: Path, up_to_step: int) -> list[LossRow]:
    """The loss history of a run, cut at ``up_to_step`` (steps after the checkpoint are replayed on resume)."""
    rows = _read_table(run_dir / LOSSES_NAME, LOSS_FIELDS, (int, int, float, float), minimum=4)
    return [row for row in rows if row[0] <= up_to_step]  # type: ignore[misc]


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


def write_quality(run_dir: Path, points: Iterable[QualityPoint]) -> None:
    write_csv(run_dir / QUALITY_NAME, QUALITY_FIELDS,
              [(p.epoch, p.step, f"{p.frechet_distance:.4f}", p.classes_present, f"{p.selection_distance:.4f}")
               for p in points], QUALITY_NAME)


def read_quality(run_dir: Path, up_to_step: int) -> list[QualityPoint]:
    """The quality history of a run, cut at ``up_to_step`` like :func:`read_losses`.

    Runs from before ganedge recorded the selection distance get NaN there.
    """
    rows = _read_table(run_dir / QUALITY_NAME, QUALITY_FIELDS, (int, int, float, int, float), minimum=4)
    return [QualityPoint(*(*row, math.nan)[:len(QUALITY_FIELDS)]) for row in rows if row[1] <= up_to_step]
