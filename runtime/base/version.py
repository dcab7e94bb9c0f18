"""The installed ganedge version, for provenance (config.json, model metadata) and ``--version``."""

from __future__ import annotations


def ganedge_version() -> str:
    """The version of the installed ``ganedge`` distribution, or ``"unknown"`` when run from a bare checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ganedge")
    except PackageNotFoundError:
        return "unknown"
