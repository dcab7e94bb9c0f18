"""``python -m ganedge.runtime``: the same as ``gan-run``."""

from .commands.run import console

console()
