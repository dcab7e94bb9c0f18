"""A v2 (Open Inference Protocol) client for the generator, with Triton's own client library and nothing of ganedge.

The same script runs against ``gan-serve`` and against a Triton Inference
Server started on ``gan-serve --triton-repo`` 's folder::

    python -m benchmarks.v2_client --url 127.0.0.1:8000 --seed 0 --n 8 --out grid.png

It draws ``n`` latents with numpy's PCG64 (the runtime's own rule:
``default_rng(seed).standard_normal((n, 100), float32)``), sends them as a
binary FP32 tensor ``z``, asks for the uint8 ``pixels`` output and writes the
images side by side as a PNG (Pillow). Triton knows nothing of ganedge's
``seed``/``n`` request parameters, so the script sends latents, which both
servers take.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def ask(url: str, latents: np.ndarray, model: str = "generator") -> np.ndarray:
    """The ``pixels`` output for ``latents`` from the v2 server at ``url`` (``host:port``)."""
    import tritonclient.http as triton

    client = triton.InferenceServerClient(url)
    request = triton.InferInput("z", list(latents.shape), "FP32")
    request.set_data_from_numpy(latents, binary_data=True)
    result = client.infer(model, [request], outputs=[triton.InferRequestedOutput("pixels", binary_data=True)])
    pixels = result.as_numpy("pixels")
    client.close()
    return pixels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ask a v2 server (gan-serve or Triton) for the generator's pixels.")
    parser.add_argument("--url", default="127.0.0.1:8000", help="host:port of the server's HTTP endpoint")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--latent-dim", type=int, default=100)
    parser.add_argument("--out", default="v2-client.png", help="the PNG to write")
    args = parser.parse_args(argv)
    latents = np.random.default_rng(args.seed).standard_normal((args.n, args.latent_dim), dtype=np.float32)
    pixels = ask(args.url, latents)
    from PIL import Image

    Image.fromarray(np.concatenate(list(pixels), axis=1)).save(args.out)
    print(f"{args.url}: {pixels.shape[0]} images {pixels.shape[1]}x{pixels.shape[2]} -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
