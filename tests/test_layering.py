"""The floors of the house: every import goes down or sideways, never up (README, Development).

The runtime is built in floors (base -> generator -> measure -> serve ->
commands); train and export build on the runtime's library floors, and only
their command modules use the runtime's shared command plumbing. Every
``import`` in the three packages, top-level or deferred inside a function, is
read with ``ast`` and checked against these rules.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"runtime": "ganedge.runtime", "train": "ganedge.train", "export": "ganedge.export"}
RUNTIME_FLOORS = {"base": 1, "models": 1, "generator": 2, "measure": 3, "serve": 4, "commands": 5}
RUNTIME_TOP = 6  # ganedge.runtime itself (its lazy public API) and __main__
LIBRARY_CEILING = 3  # what train and export may use of the runtime: base, generator, measure
COMMAND_MODULES = {"ganedge.train.cli", "ganedge.train.classifier_cli", "ganedge.export.cli"}
SHARED_COMMANDS = "ganedge.runtime.commands.shared"
NEVER_IN_RUNTIME = ("torch", "torchvision", "onnx", "onnxscript", "matplotlib", "tqdm", "ganedge.train", "ganedge.export")


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


def _imports(module: str, path: Path) -> list[str]:
    """Every module ``module`` imports, relative imports resolved."""
    is_package = path.name == "__init__.py"
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names.append(target)
            names += [f"{target}.{alias.name}" for alias in node.names]  # "from . import run_folder"
    return names


def _runtime_floor(module: str) -> int:
    parts = module.split(".")
    return RUNTIME_FLOORS[parts[2]] if len(parts) > 2 and parts[2] in RUNTIME_FLOORS else RUNTIME_TOP


def _is_runtime(name: str) -> bool:
    return name == "ganedge.runtime" or name.startswith("ganedge.runtime.")


def _violation(module: str, imported: str, known: set[str]) -> str | None:
    if _is_runtime(module):
        if any(imported == bad or imported.startswith(bad + ".") for bad in NEVER_IN_RUNTIME):
            return f"{module} imports {imported}: the runtime is numpy + onnxruntime + Pillow only"
        if _is_runtime(imported) and imported in known and _runtime_floor(imported) > _runtime_floor(module):
            return f"{module} (floor {_runtime_floor(module)}) imports {imported} (floor {_runtime_floor(imported)}): upward"
        return None
    if _is_runtime(imported) and imported in known and not (imported == SHARED_COMMANDS and module in COMMAND_MODULES):
        if _runtime_floor(imported) > LIBRARY_CEILING:
            return f"{module} imports {imported}: train and export use the runtime's library floors (base, generator, measure)"
    if module.startswith("ganedge.train") and imported.startswith("ganedge.export"):
        return f"{module} imports {imported}: export builds on train, not the other way"
    if imported in COMMAND_MODULES and module not in COMMAND_MODULES:
        return f"{module} imports the command module {imported}"
    return None


def test_no_module_imports_a_floor_above_its_own() -> None:
    modules = _modules()
    known = set(modules)
    problems = [problem for module, path in modules.items() for imported in _imports(module, path)
                if (problem := _violation(module, imported, known)) is not None]
    assert problems == []


@pytest.mark.parametrize("module, imported, upward", [
    ("ganedge.runtime.base.files", "ganedge.runtime.generator.model", True),
    ("ganedge.runtime.measure.sweep", "ganedge.runtime.generator.model", False),
    ("ganedge.runtime.generator.model", "torch", True),
    ("ganedge.train.quality", "ganedge.runtime.commands.shared", True),
    ("ganedge.train.cli", "ganedge.runtime.commands.shared", False),
    ("ganedge.train.runner", "ganedge.export.exporter", True),
])
def test_the_rules_themselves_catch_an_upward_import(module: str, imported: str, upward: bool) -> None:
    known = set(_modules())
    assert (_violation(module, imported, known) is not None) == upward


def test_the_lazy_public_api_and_its_type_checking_imports_name_the_same_things() -> None:
    import ganedge.runtime as runtime

    source = (ROOT / "runtime" / "__init__.py").read_text(encoding="utf-8")
    block = source[source.index("if TYPE_CHECKING:"):source.index("# public name")]
    typed = {name.strip() for line in re.findall(r"import (.+)", block) for name in line.split(",")}
    assert typed == set(runtime.__all__)
    for name in runtime.__all__:
        assert getattr(runtime, name) is not None
