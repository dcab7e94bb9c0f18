"""End to end in a fresh process: ``gan-run`` to a written PNG vs the same job in a PyTorch script.

Wall time covers the whole child (interpreter start, imports, model load,
generation, PNG write); peak RSS is that child's own ``ru_maxrss``. Both come
from ``child_rusage.py``, a small launcher, because a child spawned straight
from this (large) process would be charged with this process's memory. One
untimed run of each command first puts the files in the page cache, so every
timed run starts equally warm on disk and cold in memory; the two commands
alternate, so background load falls on both alike.

A profile follows: each job's phases (every import, session or checkpoint
load, generation, PNG) timed inside a fresh child by ``startup_phases.py``.

Both jobs run on the interpreter of a regular install of this checkout (what
``pip install '.[cpu]'``, the README's quick start, gives a user), not the
editable one a developer has, whose import hook runs at every interpreter
start (~11 ms on 2026-12-02; within the noise on 12-03); see
:func:`regular_install`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .defaults import COLD_START_IMAGES

HERE = Path(__file__).parent
CHECKOUT = HERE.parent
BUILD_FILES = ("setup.cfg", "pyproject.toml", "README.md", "runtime", "train", "export")  # what `pip install .` reads
LAUNCHER = HERE / "child_rusage.py"
BASELINE_SCRIPT = HERE / "torch_baseline.py"
PHASES_SCRIPT = HERE / "startup_phases.py"


class ColdStartError(RuntimeError):
    """A child process failed or wrote no PNG; the message holds its stderr."""


def run_child(command: list[str], out_png: Path | None = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``command`` once through the launcher: wall seconds, peak RSS (MB, 10^6 bytes) and its stdout.

    Examples
    --------
    >>> run_child([sys.executable, "-c", "pass"])["peak_rss_mb"] < 100   # doctest: +SKIP
    True
    """
    if out_png is not None:
        out_png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "usage.json"
        done = subprocess.run([sys.executable, str(LAUNCHER), str(report), *command],
                              capture_output=True, text=True, check=False, env=env)
        usage = json.loads(report.read_text()) if report.is_file() else {"returncode": done.returncode}
    if usage["returncode"] != 0 or (out_png is not None and not out_png.is_file()):
        missing = "" if out_png is None or out_png.is_file() else f" without writing {out_png}"
        raise ColdStartError(f"{' '.join(command)} exited {usage['returncode']}{missing}: {done.stderr.strip()[-500:]}")
    return {"wall_s": usage["wall_s"], "peak_rss_mb": usage["peak_rss_mb"], "stdout": done.stdout}


def is_regular_install() -> bool:
    """Whether the ganedge this interpreter imports lies in its site-packages (not a checkout, as ``pip install -e`` has it)."""
    import ganedge.runtime

    site_packages = Path(sysconfig.get_path("purelib")).resolve()
    return site_packages in Path(ganedge.runtime.__file__).resolve().parents


def _setup_step(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ColdStartError(f"making a regular install to time failed ({' '.join(command[:4])} ...): "
                             f"{done.stderr.strip()[-500:]}")
    return done.stdout


def regular_install(work_dir: Path) -> Path:
    """The interpreter of a venv holding this checkout as ``pip install .`` installs it; this one if it already is.

    The venv has no packages of its own besides ganedge: a ``.pth`` file
    lends it this environment's (numpy, onnxruntime, click, torch), so the
    only difference from here is how ganedge is installed. Building takes
    ~15 s (a wheel from a copy of the checkout, pip's ``--python``).
    """
    if is_regular_install():
        return Path(sys.executable)
    venv, source = work_dir / "regular-install", work_dir / "regular-install-source"
    shutil.rmtree(venv, ignore_errors=True)
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for name in BUILD_FILES:
        if (CHECKOUT / name).is_dir():
            shutil.copytree(CHECKOUT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(CHECKOUT / name, source / name)
    python = venv / "bin" / "python"
    _setup_step([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    purelib = _setup_step([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip()
    lent = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])  # this environment's packages
    (Path(purelib) / "ganedge-benchmark-dependencies.pth").write_text("\n".join(lent) + "\n")
    _setup_step([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index",
                 "--no-build-isolation", str(source)])
    shutil.rmtree(source, ignore_errors=True)
    return python


def bytecode_writing_env() -> dict[str, str]:
    """This environment without ``PYTHONDONTWRITEBYTECODE``, for the untimed first run of each job.

    A regular install ships compiled ``.pyc`` files (pip compiles them), so a
    user's ``gan-run`` never compiles ganedge's modules; an editable checkout
    under ``PYTHONDONTWRITEBYTECODE=1`` (set on some CI machines) would
    compile them in every timed run (~10 ms on 2 cores) unless the first run
    writes them.
    """
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def summarise(samples: list[dict[str, Any]]) -> dict[str, Any]:
    walls = [s["wall_s"] for s in samples]
    rss = [s["peak_rss_mb"] for s in samples]
    return {"runs": len(samples), "wall_s": walls, "peak_rss_mb": rss,
            "median_wall_s": float(np.median(walls)), "median_peak_rss_mb": float(np.median(rss))}


def measure_phases(python: Path, fp32_model: Path, checkpoint: Path, work_dir: Path, runs: int) -> dict[str, Any]:
    """The cold-start profile: interpreter start, then each import and step of both jobs (medians).

    ``python -c pass`` gives the interpreter's own start, which comes before
    the phases a child can time itself.
    """
    png = work_dir / "phases.png"
    interpreter = [run_child([str(python), "-c", "pass"]) for _ in range(runs)]
    profile: dict[str, Any] = {
        "interpreter_start_s": float(np.median([s["wall_s"] for s in interpreter])),
        "interpreter_rss_mb": float(np.median([s["peak_rss_mb"] for s in interpreter])),
    }
    for kind, job, source in (("gan-run", "runtime", fp32_model), ("pytorch-script", "torch", checkpoint)):
        samples = [json.loads(run_child([str(python), str(PHASES_SCRIPT), job, str(source), str(png)], png)["stdout"])
                   for _ in range(runs)]
        names = list(samples[0]["seconds"])
        profile[kind] = {
            "seconds": {name: float(np.median([s["seconds"][name] for s in samples])) for name in names},
            "peak_rss_mb_after": {name: float(np.median([s["peak_rss_mb_after"][name] for s in samples])) for name in names},
        }
    return profile


def measure_cold_start(fp32_model: Path, checkpoint: Path, work_dir: Path, runs: int) -> dict[str, Any]:
    """Median wall time and peak RSS of ``gan-run`` and the PyTorch script, their ratios, and the profile."""
    work_dir.mkdir(parents=True, exist_ok=True)
    runtime_png, torch_png = work_dir / "gan-run.png", work_dir / "torch.png"
    python = regular_install(work_dir)
    gan_run = python.parent / "gan-run"
    if not gan_run.is_file():
        raise ColdStartError(f"no gan-run beside {python}: pip install '.[cpu]'")
    commands = {
        "gan-run": ([str(gan_run), "--model", str(fp32_model), "--out", str(runtime_png)], runtime_png),
        "pytorch-script": ([str(python), str(BASELINE_SCRIPT), "--checkpoint", str(checkpoint), "--out", str(torch_png),
                            "--count", str(COLD_START_IMAGES)], torch_png),
    }
    for command, png in commands.values():
        run_child(command, png, bytecode_writing_env())  # page cache and .pyc warm-up, not timed
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, png) in commands.items():
            samples[name].append(run_child(command, png))
    result: dict[str, Any] = {name: {"command": " ".join(commands[name][0]), **summarise(runs_)}
                              for name, runs_ in samples.items()}
    runtime, torch = result["gan-run"], result["pytorch-script"]
    result["speedup"] = torch["median_wall_s"] / runtime["median_wall_s"]
    result["rss_ratio"] = runtime["median_peak_rss_mb"] / torch["median_peak_rss_mb"]
    result["images"] = COLD_START_IMAGES
    result["install"] = "a regular install of this checkout, built for the run" if python != Path(sys.executable) \
        else "this environment, a regular install"
    result["profile"] = measure_phases(python, fp32_model, checkpoint, work_dir, min(runs, 3))
    return result
