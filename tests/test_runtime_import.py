"""Importing the runtime is cheap and torch-free (checked in fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from onnx_factory import write_generator


def _python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_importing_the_runtime_imports_neither_torch_nor_onnxruntime() -> None:
    result = _python(
        "import sys, ganedge.runtime, ganedge.runtime.commands.run\n"
        "heavy = sorted(m for m in ('torch', 'onnxruntime', 'onnx') if m in sys.modules)\n"
        "print(heavy)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_help_answers_without_importing_onnxruntime() -> None:
    result = _python(
        "import sys\nfrom ganedge.runtime.commands.run import main\n"
        "code = main(['--help'])\n"
        "print(code, 'onnxruntime' in sys.modules)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("0 False")


def test_gan_run_imports_neither_torch_nor_pillow_nor_numpy_random(tmp_path: Path) -> None:
    """No torch ever; no Pillow either: its import and first text cost ~19 ms of the cold start, and the
    pre-rendered glyphs draw the labels of a labelled grid; no numpy.random (6.7 MB): 8 latents are drawn in Python
    (numpy 1.x imports numpy.random with itself; from 2.0 on it waits until asked)."""
    model = write_generator(tmp_path / "generator.onnx")
    result = _python(
        "import sys, numpy\nwith_numpy = 'numpy.random' in sys.modules\n"
        "from ganedge.runtime.commands.run import main\n"
        f"assert main(['--model', {str(model)!r}, '--perturb', '71=-10,10,100']) == 0\n"
        "print('torch' in sys.modules, 'numpy.random' in sys.modules and not with_numpy,\n"
        "      sorted(m for m in sys.modules if m == 'PIL' or m.startswith('PIL.')))",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("False False []")
    assert (tmp_path / "gan-run.png").is_file()


def test_the_package_is_typed() -> None:
    import ganedge.runtime

    assert (Path(ganedge.runtime.__file__).parent / "py.typed").is_file()

