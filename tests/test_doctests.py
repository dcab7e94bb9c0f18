"""Every docstring example in the three packages runs and gives what it shows (in a fresh temp folder each)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

from test_layering import _modules

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
MODULES = sorted(name for name in _modules() if not name.endswith("__main__"))


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smoke_run: Path) -> None:
    """Each module's examples run in an empty folder whose ``runs/latest`` is a short real run, as after ``gan-train``."""
    monkeypatch.chdir(tmp_path)  # examples write files relative to where they run
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "latest").symlink_to(smoke_run.resolve())
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(module, module_name):
        if test.examples:
            runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed in {module_name} (output above)"
