"""The vendored onnxruntime-web (runtime/serve/vendor/): pinned, checksummed, licensed, complete.

The explorer page loads onnxruntime-web from gan-serve itself, never from a
CDN; these files are what it runs, so each must be exactly the file of the
pinned npm release that ``runtime/serve/vendor/refresh.sh`` records in VERSION.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import ganedge.runtime.serve.app as app_module

VENDOR = Path(app_module.VENDOR_DIR)
FOLDER = VENDOR / "onnxruntime-web"
PINNED_VERSION = "1.30.0"
WASM_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
CHECKSUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$")


def version_fields() -> dict[str, str]:
    fields = {}
    for line in (FOLDER / "VERSION").read_text().splitlines():
        if ": " in line and not line.startswith("#") and not CHECKSUM_LINE.match(line):
            key, value = line.split(": ", 1)
            fields[key] = value
    return fields


def recorded_checksums() -> dict[str, str]:
    return {m.group(2): m.group(1) for m in map(CHECKSUM_LINE.match, (FOLDER / "VERSION").read_text().splitlines()) if m}


def test_every_vendored_file_matches_its_recorded_sha256() -> None:
    checksums = recorded_checksums()
    assert set(checksums) == {*WASM_FILES, "LICENSE"}
    for name, digest in checksums.items():
        assert hashlib.sha256((FOLDER / name).read_bytes()).hexdigest() == digest, f"{name} differs from VERSION"


def test_the_folder_holds_exactly_the_recorded_files_and_version() -> None:
    assert sorted(p.name for p in FOLDER.iterdir()) == sorted([*recorded_checksums(), "VERSION"])


def test_the_version_is_pinned_exactly_in_version_and_refresh_script() -> None:
    fields = version_fields()
    assert fields["package"] == "onnxruntime-web"
    assert fields["version"] == PINNED_VERSION
    assert fields["tarball"] == f"https://registry.npmjs.org/onnxruntime-web/-/onnxruntime-web-{PINNED_VERSION}.tgz"
    assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", fields["integrity"])
    assert f'VERSION="${{ORT_WEB_VERSION:-{PINNED_VERSION}}}"' in (VENDOR / "refresh.sh").read_text()


def test_the_vendored_script_is_the_pinned_release() -> None:
    assert f"ONNX Runtime Web v{PINNED_VERSION}" in (FOLDER / "ort.wasm.min.js").read_text()[:200]


def test_the_license_is_there_and_is_onnxruntimes_mit_license() -> None:
    text = (FOLDER / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) Microsoft Corporation" in text
    assert version_fields()["license"].startswith("MIT")


@pytest.mark.parametrize("name", WASM_FILES)
def test_the_wasm_build_loads_only_files_that_are_vendored(name: str) -> None:
    text = (FOLDER / name).read_bytes().decode("latin-1") if name.endswith(".wasm") else (FOLDER / name).read_text()
    if name.endswith(".wasm"):
        assert text.startswith("\0asm")
        return
    loaded = set(re.findall(r"ort-wasm[\w.-]*\.(?:mjs|wasm)", text))
    assert loaded <= set(WASM_FILES), f"{name} loads {sorted(loaded - set(WASM_FILES))}, which are not vendored"
