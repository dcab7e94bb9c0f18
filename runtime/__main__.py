"""``python -m ganedge.runtime``: the same as ``gan-run``."""

from .commands.run import main

raise SystemExit(main())
