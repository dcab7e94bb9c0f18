"""Checks shared by the CLI tests: a refusal is one line, exit code 2, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pytest


def refused_in_one_line(command: Callable[[Sequence[str]], int], capsys: pytest.CaptureFixture[str], *args: str,
                        no_png: bool = False) -> str:
    """Run ``command(args)`` and assert it refused: exit 2, one ``Error: ...`` line, no traceback (no PNG)."""
    assert command(list(args)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    assert "Traceback" not in err
    if no_png:
        assert not list(Path.cwd().glob("*.png")), "a PNG was written"
    return err


def read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
