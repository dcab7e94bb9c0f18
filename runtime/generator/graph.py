"""What a generator file must be: its metadata, its graph's inputs and outputs, and one real forward pass.

A ganedge generator takes ``z`` float32 ``[N, latent_dim]`` with a free batch
size ``N`` and returns ``image`` float32 ``[N, C, H, W]`` (one channel) and,
from ganedge 0.2 on, ``pixels`` uint8 ``[N, H, W]``, as its metadata says.
The declared shapes may be symbolic, so a file can claim ``[N, a, b, c]``
and compute 10x10 images: :func:`probe` runs the model once on two latents
when it is opened and checks what really comes out, so a lying or broken
file is refused with one line instead of failing later in a reshape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..base.contract import INPUT_NAME, OUTPUT_NAME, PIXELS_NAME, GeneratorMetadata
from ..base.errors import GanRuntimeError
from .session import run

OUTPUT_TYPES = {OUTPUT_NAME: "tensor(float)", PIXELS_NAME: "tensor(uint8)"}
PROBE_BATCH = 2


def _static(dims: list[Any]) -> list[int | None]:
    return [d if isinstance(d, int) else None for d in dims]


def expected_shape(meta: GeneratorMetadata, name: str, batch: int | None = None) -> list[int | None]:
    """The shape output ``name`` must have for ``batch`` latents (``None``: any batch).

    Examples
    --------
    >>> meta = GeneratorMetadata(100, (1, 28, 28), (-1.0, 1.0))
    >>> expected_shape(meta, "image", 8), expected_shape(meta, "pixels")
    ([8, 1, 28, 28], [None, 28, 28])
    """
    channels, height, width = meta.image_shape
    return [batch, channels, height, width] if name == OUTPUT_NAME else [batch, height, width]


def check_graph(session: Any, path: Path) -> GeneratorMetadata:
    """Read the ganedge metadata and check the graph's declared inputs and outputs agree with it.

    Raises
    ------
    GanRuntimeError
        Naming the file and what disagrees.

    Examples
    --------
    >>> from ganedge.runtime.generator.session import open_session
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, provider = open_session(BUNDLED_MODEL, "cpu")
    >>> check_graph(session, BUNDLED_MODEL).latent_dim
    100
    """
    try:
        meta = GeneratorMetadata.from_map(session.get_modelmeta().custom_metadata_map)
    except ValueError as error:
        raise GanRuntimeError(f"{str(path)!r}: {error}") from None
    where = f"{str(path)!r} is not a ganedge generator"
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if [i.name for i in inputs] != [INPUT_NAME] or [o.name for o in outputs] != list(meta.outputs):
        raise GanRuntimeError(
            f"{where}: expected input {INPUT_NAME!r} and outputs {list(meta.outputs)}, found inputs "
            f"{[i.name for i in inputs]} and outputs {[o.name for o in outputs]}"
        )
    z = inputs[0]
    if z.type != "tensor(float)" or any(o.type != OUTPUT_TYPES[o.name] for o in outputs):
        raise GanRuntimeError(f"{where}: expected float32 {INPUT_NAME!r} and outputs "
                              f"{[OUTPUT_TYPES[name] for name in meta.outputs]}, found {z.type} -> {[o.type for o in outputs]}")
    z_dims = _static(z.shape)
    if len(z_dims) != 2 or z_dims[1] != meta.latent_dim:
        raise GanRuntimeError(
            f"{where}: its metadata says latent size {meta.latent_dim} but the graph's input "
            f"{INPUT_NAME!r} has shape {z.shape}, expected [N, {meta.latent_dim}]"
        )
    if z_dims[0] is not None:
        raise GanRuntimeError(f"{where}: its batch size is fixed at {z_dims[0]}; re-export it with `gan-export`")
    for output in outputs:
        dims, wanted = _static(output.shape), expected_shape(meta, output.name)
        if len(dims) != len(wanted) or any(d is not None and d != w for d, w in zip(dims[1:], wanted[1:])):
            raise GanRuntimeError(
                f"{where}: its metadata says images {list(meta.image_shape)} but the graph's output "
                f"{output.name!r} has shape {output.shape}, expected [N, {', '.join(map(str, wanted[1:]))}]"
            )
    if meta.image_shape[0] != 1:
        raise GanRuntimeError(f"{where}: it makes {meta.image_shape[0]}-channel images; ganedge renders grayscale (1)")
    return meta


def probe(session: Any, meta: GeneratorMetadata, path: Path) -> None:
    """Run the model once on ``PROBE_BATCH`` zero latents and check every output's real shape and type.

    Examples
    --------
    >>> from ganedge.runtime.generator.session import open_session
    >>> from ganedge.runtime.models import BUNDLED_MODEL
    >>> session, _ = open_session(BUNDLED_MODEL, "cpu")
    >>> probe(session, check_graph(session, BUNDLED_MODEL), BUNDLED_MODEL)   # silent: the file computes what it claims
    """
    latents = np.zeros((PROBE_BATCH, meta.latent_dim), np.float32)
    produced = run(session, list(meta.outputs), {INPUT_NAME: latents}, path)
    for name, value in zip(meta.outputs, produced):
        wanted = expected_shape(meta, name, PROBE_BATCH)
        if list(value.shape) != wanted:
            raise GanRuntimeError(f"{str(path)!r} claims {name!r} images of {list(meta.image_shape)} but computes "
                                  f"shape {list(value.shape)} for {PROBE_BATCH} latents, expected {wanted}; "
                                  "it is not a working ganedge generator")
