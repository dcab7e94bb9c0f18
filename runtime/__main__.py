"""``python -m ganedge.runtime``: the same as ``gan-run``."""

from .cli import main

raise SystemExit(main())
