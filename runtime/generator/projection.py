"""Projection: the latent whose generated image is closest to a given picture (GAN inversion), in numpy.

The generator is the report's MLP, ``x = tanh(leaky(z W1^T + b1) W2^T + b2)``,
so the gradient of the pixel loss with respect to ``z`` is a few lines of
numpy (:func:`loss_and_gradient`); its weights are read from the ``.onnx``
file itself (:mod:`ganedge.runtime.base.onnx_weights`) and checked against
what onnxruntime computes (:func:`projection_weights`). :func:`project`
minimises

    mean((G(z) - target)^2) + prior_weight * (|z|^2 / latent_dim - 1)^2

with Adam from several random starts (the loss has many local minima),
polishes the best few with Levenberg-Marquardt steps and keeps the best of
those: the generator's tanh saturates on the black background, which leaves
the loss ill-conditioned, and Adam alone stops a few grey levels short of a
generated image it could reproduce exactly. The prior keeps ``|z|^2`` near the latent
size, where standard-normal latents live, so the result is a latent the
generator was trained on rather than an outlier that happens to fit.

Pictures come in with FashionMNIST's own convention (:func:`picture_target`);
the ``.npz`` gan-project writes is read back by :func:`read_latents`, which
``gan-run --latents`` uses.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np

from ..base.contract import MAX_LATENT_DIM, PRECISION_KEY
from ..base.errors import GanRuntimeError
from ..base.onnx_weights import NEEDS_FP32, MlpWeights, generator_weights
from ..base.pixels import pixels_to_values
from ..base.whole_numbers import is_whole_number
from .model import GeneratorModel

# Defaults chosen on the bundled model's test images (figures in the model card): twice the restarts of the
# first scoping keeps 2% more labels at twice the time; a constant Adam step beat a cosine decay; the prior
# keeps |z| at the latent size's root for a few hundredths of a dB.
DEFAULT_RESTARTS = 32
DEFAULT_STEPS = 600
LEARNING_RATE = 0.1  # Adam's step, for standard-normal latents
PRIOR_WEIGHT = 0.1
POLISHED_STARTS = 4  # the best starts after Adam that are polished; polishing only the best one sometimes
                     # finishes in a local minimum a close second would have avoided
POLISH_STEPS = 30  # Levenberg-Marquardt steps: the last grey levels Adam leaves
IMAGES_PER_CHUNK = 64  # images projected together: chunk x restarts rows of Adam
POLISH_ROWS = 64  # latents polished together: a Jacobian [rows, pixels, latent] in float64 of ~40 MB
WEIGHTS_ATOL = 1e-4  # numpy and onnxruntime agree to ~1e-6 in float32; a wrong reading is off by whole units
MAX_LATENT_ROWS = 10_000  # what gan-run --latents may draw or count (gan-run --explain's limit)
LATENTS_KEY = "z"
Invert = Literal["auto", "yes", "no"]


@dataclass(frozen=True)
class Projection:
    """The result of :func:`project` for ``n`` images.

    ``latents`` float32 ``[n, latent_dim]``; ``reconstructions`` and
    ``targets`` uint8 ``[n, H, W]`` (the reconstruction as the runtime
    generates it from ``latents``); ``psnr_db`` float64 ``[n]``.
    """

    latents: np.ndarray
    reconstructions: np.ndarray
    targets: np.ndarray
    psnr_db: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        """What ``gan-project --out FILE.npz`` stores: ``z``, ``reconstruction``, ``target``, ``psnr_db``."""
        return {LATENTS_KEY: self.latents, "reconstruction": self.reconstructions, "target": self.targets,
                "psnr_db": self.psnr_db}


def projection_weights(model: GeneratorModel) -> MlpWeights:
    """The generator's weights read from its file, checked to reproduce what onnxruntime computes.

    Raises
    ------
    GanRuntimeError
        A file that is not the report's fp32 MLP generator, or whose weights
        (as read) do not give the session's images.

    Examples
    --------
    >>> projection_weights(GeneratorModel(device="cpu")).latent_dim
    100
    """
    precision = model.metadata.raw.get(PRECISION_KEY, "fp32")
    if precision != "fp32":
        raise GanRuntimeError(f"{str(model.path)!r} is an {precision} export; {NEEDS_FP32}")
    weights = generator_weights(model.path)
    if weights.latent_dim != model.latent_dim or weights.w2.shape[0] != int(np.prod(model.image_shape)):
        raise GanRuntimeError(f"{str(model.path)!r}: its weights take {weights.latent_dim} numbers and make "
                              f"{weights.w2.shape[0]} pixels, its metadata says {model.latent_dim} and "
                              f"{model.image_shape}; {NEEDS_FP32}")
    z = model.sample_latents(8, seed=0)
    expected = model.generate(z, output="float").reshape(len(z), -1)
    difference = float(np.max(np.abs(forward(weights, z) - expected)))
    if not difference <= WEIGHTS_ATOL:
        raise GanRuntimeError(f"{str(model.path)!r}: the weights read from the file do not reproduce its images "
                              f"(max difference {difference:.3g}); {NEEDS_FP32}")
    return weights


def forward(weights: MlpWeights, latents: np.ndarray) -> np.ndarray:
    """The generator in numpy: float images, flat ``[n, pixels]``, in the latents' float type.

    Examples
    --------
    >>> weights = projection_weights(GeneratorModel(device="cpu"))
    >>> forward(weights, np.zeros((2, 100), np.float32)).shape
    (2, 784)
    """
    hidden = latents @ weights.w1.T + weights.b1
    hidden = np.where(hidden > 0, hidden, hidden * weights.alpha)
    return np.tanh(hidden @ weights.w2.T + weights.b2)


def loss_and_gradient(weights: MlpWeights, latents: np.ndarray, targets: np.ndarray,
                      prior_weight: float = PRIOR_WEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """Each row's loss and its gradient with respect to the latent, by hand (backpropagation in four lines).

    Parameters
    ----------
    latents : np.ndarray
        ``[n, latent_dim]``.
    targets : np.ndarray
        Float images in [-1, 1], flat ``[n, pixels]``.
    prior_weight : float
        Weight of ``(|z|^2 / latent_dim - 1)^2``.

    Returns
    -------
    tuple of np.ndarray
        ``loss [n]`` (``mean((G(z) - target)^2)`` plus the prior) and ``gradient [n, latent_dim]``.

    Examples
    --------
    >>> weights = projection_weights(GeneratorModel(device="cpu"))
    >>> z = np.ones((1, 100), np.float32)
    >>> loss, gradient = loss_and_gradient(weights, z, np.zeros((1, 784), np.float32))
    >>> loss.shape, gradient.shape
    ((1,), (1, 100))
    """
    pixels, size = targets.shape[1], latents.shape[1]
    pre = latents @ weights.w1.T + weights.b1
    slope = np.where(pre > 0, 1.0, weights.alpha).astype(latents.dtype)
    images = np.tanh((pre * slope) @ weights.w2.T + weights.b2)
    residual = images - targets
    excess = np.einsum("ij,ij->i", latents, latents) / size - 1  # (|z|^2 / d - 1)
    loss = np.einsum("ij,ij->i", residual, residual) / pixels + prior_weight * excess ** 2
    grad_out = residual * (1 - images * images) * (2.0 / pixels)  # through the mean and tanh
    grad_hidden = (grad_out @ weights.w2) * slope  # through the second layer and LeakyReLU
    gradient = grad_hidden @ weights.w1 + (4.0 * prior_weight / size) * excess[:, None] * latents
    return loss, gradient.astype(latents.dtype, copy=False)


def _adam(weights: MlpWeights, latents: np.ndarray, targets: np.ndarray, steps: int, prior_weight: float) -> np.ndarray:
    """``steps`` Adam steps (Kingma & Ba, 2015; betas 0.9, 0.999) on every row at once."""
    z = latents.copy()
    first, second = np.zeros_like(z), np.zeros_like(z)
    for step in range(1, steps + 1):
        _, gradient = loss_and_gradient(weights, z, targets, prior_weight)
        first += 0.1 * (gradient - first)
        second += 0.001 * (gradient * gradient - second)
        z -= (LEARNING_RATE / (1 - 0.9 ** step)) * first / (np.sqrt(second / (1 - 0.999 ** step)) + 1e-8)
    return z


def _polish(weights: MlpWeights, latents: np.ndarray, targets: np.ndarray, steps: int,
            prior_weight: float) -> np.ndarray:
    """Levenberg-Marquardt on each row, in float64: Gauss-Newton steps with a damping that grows on a failed step."""
    w1, b1, w2, b2 = (np.asarray(w, np.float64) for w in (weights.w1, weights.b1, weights.w2, weights.b2))
    weights64 = MlpWeights(w1, b1, w2, b2, weights.alpha)
    z, targets = latents.astype(np.float64), targets.astype(np.float64)
    n, size = z.shape

    def evaluate(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pre = z @ w1.T + b1
        images = np.tanh(np.where(pre > 0, pre, pre * weights.alpha) @ w2.T + b2)
        excess = np.einsum("ij,ij->i", z, z) / size - 1
        return np.mean((images - targets) ** 2, axis=1) + prior_weight * excess ** 2, pre, images

    loss, pre, images = evaluate(z)
    damping = np.full(n, 1e-2)
    for _ in range(steps):
        gradient, hessian = _gauss_newton(weights64, z, pre, images, targets, prior_weight)
        hessian[:, np.arange(size), np.arange(size)] += damping[:, None]
        candidate = z - np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        new_loss, new_pre, new_images = evaluate(candidate)
        better = new_loss < loss
        z[better], loss[better] = candidate[better], new_loss[better]
        pre[better], images[better] = new_pre[better], new_images[better]
        damping = np.where(better, damping / 3, damping * 4)
    return z.astype(np.float32)


def _gauss_newton(weights: MlpWeights, latents: np.ndarray, pre: np.ndarray, images: np.ndarray, targets: np.ndarray,
                  prior_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """The loss's gradient ``[n, d]`` and Gauss-Newton matrix ``[n, d, d]`` at ``latents``, for Levenberg-Marquardt.

    The loss is a sum of squares, ``sum(r^2) / pixels + (sqrt(prior_weight)
    (|z|^2 / d - 1))^2``, so for each residual ``r`` with Jacobian ``J`` the
    gradient is ``2 J^T r`` and the Gauss-Newton matrix ``2 J^T J``. Both
    terms keep that factor 2: dropping it from one alone would aim every
    step at a loss with the other term weighted twice. ``pre`` and
    ``images`` are the first layer's pre-activations and the images at
    ``latents`` (as :func:`_polish` has them).
    """
    pixels, size = targets.shape[1], latents.shape[1]
    slope = np.where(pre > 0, 1.0, weights.alpha)
    jacobian = (1 - images * images)[:, :, None] * np.matmul(weights.w2[None] * slope[:, None, :], weights.w1)
    excess = np.einsum("ij,ij->i", latents, latents) / size - 1
    gradient = np.matmul((images - targets)[:, None, :], jacobian)[:, 0] * (2.0 / pixels) \
        + (4.0 * prior_weight / size) * excess[:, None] * latents
    hessian = np.matmul(jacobian.transpose(0, 2, 1), jacobian) * (2.0 / pixels) \
        + (8.0 * prior_weight / size ** 2) * latents[:, :, None] * latents[:, None, :]
    return gradient, hessian


def psnr_db(reconstructions: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio of uint8 images, ``10 log10(255^2 / MSE)`` per image; ``inf`` when identical.

    Examples
    --------
    >>> a = np.zeros((2, 28, 28), np.uint8)
    >>> b = a.copy(); b[1, 0, 0] = 255
    >>> psnr_db(a, b).round(1).tolist()
    [inf, 28.9]
    """
    difference = reconstructions.astype(np.float64) - targets.astype(np.float64)
    mse = np.mean(difference.reshape(len(difference), -1) ** 2, axis=1)
    with np.errstate(divide="ignore"):
        return 10 * np.log10(255.0 ** 2 / mse)


def project(model: GeneratorModel, targets: np.ndarray, restarts: int = DEFAULT_RESTARTS, steps: int = DEFAULT_STEPS,
            seed: int = 0, weights: MlpWeights | None = None, prior_weight: float = PRIOR_WEIGHT) -> Projection:
    """The latents whose images best reproduce ``targets`` (uint8 ``[n, H, W]``), ``IMAGES_PER_CHUNK`` at a time.

    Every image starts from the same ``restarts`` latents,
    ``sample_latents(restarts, seed)``; each start takes ``steps`` Adam
    steps, the ``POLISHED_STARTS`` with the lowest loss are polished
    (``POLISH_STEPS`` Levenberg-Marquardt steps) and the best is kept.

    Examples
    --------
    >>> model = GeneratorModel(device="cpu")
    >>> generated = model.generate(model.sample_latents(2, seed=7))
    >>> result = project(model, generated, restarts=4, steps=100)
    >>> result.latents.shape, bool(np.all(result.psnr_db > 30))
    ((2, 100), True)
    """
    images = np.asarray(targets)
    shape = model.image_shape
    if images.dtype != np.uint8 or images.ndim != 3 or len(images) == 0 or (1, *images.shape[1:]) != shape:
        raise GanRuntimeError(f"targets must be uint8 [n, {shape[1]}, {shape[2]}] with n >= 1, "
                              f"got {images.dtype} {list(images.shape)}")
    for name, value, low in (("restarts", restarts, 1), ("steps", steps, 0), ("seed", seed, 0)):
        if not is_whole_number(value, low):
            raise GanRuntimeError(f"{name} must be a whole number >= {low}, got {value!r}")
    weights = projection_weights(model) if weights is None else weights
    starts = model.sample_latents(restarts, seed)
    found = np.empty((len(images), model.latent_dim), np.float32)
    for first in range(0, len(images), IMAGES_PER_CHUNK):
        chunk = pixels_to_values(images[first:first + IMAGES_PER_CHUNK]).reshape(-1, shape[1] * shape[2])
        found[first:first + len(chunk)] = _best_latents(weights, chunk, starts, int(steps), prior_weight)
    reconstructions = model.generate(found)
    return Projection(found, reconstructions, images.copy(), psnr_db(reconstructions, images))


def _best_latents(weights: MlpWeights, targets: np.ndarray, starts: np.ndarray, steps: int,
                  prior_weight: float) -> np.ndarray:
    """One latent per flat target: Adam from every start, then the best few polished, then the best of those."""
    count, restarts = len(targets), len(starts)
    tiled = np.repeat(targets, restarts, axis=0)
    z = _adam(weights, np.tile(starts, (count, 1)), tiled, steps, prior_weight)
    loss, _ = loss_and_gradient(weights, z, tiled, prior_weight)
    kept = min(POLISHED_STARTS, restarts)
    order = np.argsort(loss.reshape(count, restarts), axis=1, kind="stable")[:, :kept]
    candidates = z.reshape(count, restarts, -1)[np.arange(count)[:, None], order].reshape(count * kept, -1)
    tiled = np.repeat(targets, kept, axis=0)
    polished = np.concatenate([
        _polish(weights, candidates[row:row + POLISH_ROWS], tiled[row:row + POLISH_ROWS], POLISH_STEPS, prior_weight)
        for row in range(0, len(candidates), POLISH_ROWS)])
    loss, _ = loss_and_gradient(weights, polished, tiled, prior_weight)
    best = loss.reshape(count, kept).argmin(axis=1)
    return polished.reshape(count, kept, -1)[np.arange(count), best]


def picture_target(picture: Any, size: tuple[int, int] = (28, 28), invert: Invert = "auto") -> np.ndarray:
    """A picture of any size as a FashionMNIST-style target, uint8 ``[height, width]``.

    FashionMNIST's convention (Xiao et al., 2017): grayscale, the garment
    light on black, its longest edge fitted to 28 px and centred. So:
    EXIF orientation applied; 16-bit, 32-bit and floating-point grey
    scaled to 8 bits (:func:`_eight_bit_grey`); transparency composited
    over white (product photos are shot on white); ``convert("L")`` (ITU-R
    601-2 luma); then, with ``invert="auto"``, inverted when its one-pixel
    border is light on average (a dark garment on a light background, as in
    a photo) and left as it is when the border is dark (already
    FashionMNIST's way); finally resized with Lanczos so the longest edge
    fits, and centred on black. A 28x28 FashionMNIST image comes back
    unchanged.

    Examples
    --------
    >>> from PIL import Image
    >>> photo = Image.new("RGB", (300, 200), "white"); photo.paste((40, 40, 40), (100, 50, 200, 150))
    >>> target = picture_target(photo)
    >>> target.shape, int(target[14, 14]), int(target[0, 0])
    ((28, 28), 215, 0)
    """
    from PIL import Image, ImageOps

    if invert not in ("auto", "yes", "no"):
        raise GanRuntimeError(f"invert must be 'auto', 'yes' or 'no', got {invert!r}")
    image = _eight_bit_grey(ImageOps.exif_transpose(picture))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    gray = image.convert("L")
    pixels = np.asarray(gray)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    if invert == "yes" or (invert == "auto" and border.mean() > 127.5):
        gray = ImageOps.invert(gray)
    width, height = size
    scale = min(width / gray.width, height / gray.height)
    fitted = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
    if fitted != gray.size:
        gray = gray.resize(fitted, Image.Resampling.LANCZOS)
    canvas = Image.new("L", size, 0)
    canvas.paste(gray, ((width - gray.width) // 2, (height - gray.height) // 2))
    return np.asarray(canvas, dtype=np.uint8).copy()


def _eight_bit_grey(image: Any) -> Any:
    """A picture with wide grey pixels (Pillow's modes I;16, I and F) as 8-bit ``L``; any other picture as it is.

    ``convert("L")`` would clip them to 255 (a 16-bit picture turns almost
    all white). 16-bit levels 0..65535 (a 16-bit PNG, in mode I;16, or in
    mode I as older Pillows read it) are divided by 257, so 65535 is 255;
    floating-point pixels are taken as 0..1. Other ranges have no one
    reading and are refused in one line.
    """
    from PIL import Image

    if image.mode not in ("I", "F") and not image.mode.startswith("I;16"):
        return image
    values = np.asarray(image, dtype=np.float64)
    floating = image.mode == "F"
    top = 1.0 if floating else 65535.0
    if values.size and not (np.all(np.isfinite(values)) and values.min() >= 0 and values.max() <= top):
        what = "floating-point pixels outside 0..1" if floating else "32-bit pixels outside 0..65535"
        raise GanRuntimeError(f"the picture holds {what} (from {values.min():g} to {values.max():g}), which have no "
                              "one grey level; save it as an 8- or 16-bit PNG")
    return Image.fromarray(np.round(values * (255.0 / top)).astype(np.uint8))


def read_picture(path: str | Path, size: tuple[int, int] = (28, 28), invert: Invert = "auto") -> np.ndarray:
    """:func:`picture_target` of the PNG/JPEG (any format Pillow reads) at ``path``, or one line saying why not.

    Examples
    --------
    >>> from PIL import Image
    >>> Image.new("L", (28, 28)).save("black.png")
    >>> read_picture("black.png").shape
    (28, 28)
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            picture.load()
            return picture_target(picture, size, invert)
    except FileNotFoundError:
        raise GanRuntimeError(f"no picture at {str(path)!r}") from None
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise GanRuntimeError(f"cannot read {str(path)!r} as a picture ({error}); give a PNG or JPEG") from None


def _read_npy(stream: BinaryIO, where: str) -> np.ndarray:
    """The array in an ``.npy`` stream, its header checked before a byte of data is read (no pickles, no giants)."""
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f".npy format version {version[0]}.{version[1]}; np.save writes 1.0")
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(stream)
    if dtype.hasobject:
        raise GanRuntimeError(f"{where} holds Python objects (a pickle), which are never loaded; save float numbers")
    if not np.issubdtype(dtype, np.floating):
        raise GanRuntimeError(f"{where} holds {dtype} numbers; latents are float numbers (float32)")
    if len(shape) != 2 or shape[0] < 1 or not 1 <= shape[1] <= MAX_LATENT_DIM:
        raise GanRuntimeError(f"{where} has shape {list(shape)}; latents are [n, latent size] with n >= 1")
    if shape[0] > MAX_LATENT_ROWS:
        raise GanRuntimeError(f"{where} holds {shape[0]:,} latents, more than {MAX_LATENT_ROWS:,}; split it")
    stream.seek(0)
    return np.lib.format.read_array(stream, allow_pickle=False)


def read_latents(path: str | Path, latent_dim: int | None = None) -> np.ndarray:
    """Latents, float32 ``[n, d]``, from an ``.npy`` (the array) or an ``.npz`` (its ``z``, as gan-project writes).

    Refused, in one line: an unreadable or truncated file, pickled objects
    (never loaded), numbers that are not floats, a shape other than ``[n,
    latent_dim]``, NaN, infinity, values float32 cannot hold.

    Examples
    --------
    >>> np.save("z.npy", np.zeros((2, 100), np.float32))
    >>> read_latents("z.npy", latent_dim=100).shape
    (2, 100)
    """
    where = f"--latents {str(path)!r}"
    try:
        if str(path).endswith(".npz"):
            with zipfile.ZipFile(path) as archive:
                names = [name[:-4] for name in archive.namelist() if name.endswith(".npy")]
                if f"{LATENTS_KEY}.npy" not in archive.namelist():
                    raise GanRuntimeError(f"{where} has no {LATENTS_KEY!r} array (it has {names}); gan-project writes "
                                          f"z, or save yours with np.savez(FILE, z=latents)")
                with archive.open(f"{LATENTS_KEY}.npy") as member:
                    array = _read_npy(member, where)
        else:
            with open(path, "rb") as stream:
                array = _read_npy(stream, where)
    except FileNotFoundError:
        raise GanRuntimeError(f"{where}: no such file") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise GanRuntimeError(f"cannot read {where} as latents ({error}); give an .npy or .npz of float32 "
                              "[n, d]") from None
    if latent_dim is not None and array.shape[1] != latent_dim:
        raise GanRuntimeError(f"{where} holds latents of size {array.shape[1]}; this model takes {latent_dim}")
    with np.errstate(over="ignore"):
        latents = array.astype(np.float32)
    if not np.all(np.isfinite(latents)):
        raise GanRuntimeError(f"{where} holds NaN, infinity or values float32 cannot hold; give finite latents")
    return latents

