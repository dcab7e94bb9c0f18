"""Checks shared by the CLI tests: run a command's ``main``, and assert a refusal is one line, an exit code, nothing written."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

Main = Callable[[Sequence[str]], int]


@dataclass(frozen=True)
class Outcome:
    """What a command did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


def invoke(command: Main, *args: str) -> Outcome:
    """Run ``command(args)`` (a ganedge ``main``) and capture stdout and stderr."""
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
        code = command(list(args))
    return Outcome(code, out.getvalue(), err.getvalue())


def assert_refused(outcome: Outcome, pattern: str = "", code: int = 2) -> str:
    """Assert a refusal: the exit code, exactly one ``Error: ...`` line on stderr, ``pattern`` in it, no traceback."""
    assert outcome.code == code, outcome.output
    assert outcome.err.count("\n") == 1 and outcome.err.startswith("Error: "), outcome.err
    assert "Traceback" not in outcome.output
    assert pattern in outcome.err, outcome.err
    return outcome.err


def refused_in_one_line(command: Main, *args: str, pattern: str = "", no_png: bool = False) -> str:
    """Run ``command(args)`` and assert it refused in one line with exit code 2 (and, with ``no_png``, wrote no PNG)."""
    err = assert_refused(invoke(command, *args), pattern)
    if no_png:
        assert not list(Path.cwd().glob("*.png")), "a PNG was written"
    return err


def read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
