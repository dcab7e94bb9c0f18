"""Write a file all at once or not at all.

Every file ganedge writes (checkpoints, configs, plots, models, PNGs) goes to
a temp file in the destination's folder and is renamed over the destination
only when complete, so an error, Ctrl-C or a kill never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path | str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_name)`` to fill a temp file, then rename it to ``path``.

    The temp file gets the permissions a plain ``open(path, "w")`` would
    (``mkstemp`` alone makes it owner-only), and is removed if ``write`` fails.

    Examples
    --------
    >>> atomic_write("out.txt", lambda name: Path(name).write_text("done"))   # doctest: +SKIP
    """
    path = Path(path)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        os.chmod(tmp_name, 0o666 & ~_current_umask())
        write(tmp_name)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
