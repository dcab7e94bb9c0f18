"""What every ganedge command shares: options, option parsers, model resolution, and the one error handler.

Each command module (``gan-run``, ``gan-eval``, ``gan-sweep`` here;
``gan-train``, ``gan-train-classifier`` and ``gan-export`` in their parts) is
a thin click layer over its part's API and ends in :func:`run_command`,
which turns every user error into one ``Error: ...`` line on stderr and an
exit code: 2 for bad usage and inputs, 1 for a result that failed a check,
130 for Ctrl-C. Parsers are small functions passed as click types, so a
command body receives clean values and bad input fails inside click.

Only click is imported here, so every command's ``--help`` answers at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, NamedTuple, NoReturn, Sequence, TypeVar

import click

from ..base.devices import DEVICES, MAX_THREADS
from ..base.edit_values import check_values
from ..base.errors import EXIT_INTERRUPTED, EXIT_USAGE, GanedgeError, GanRuntimeError
from ..models import BUNDLED_MODEL

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
LATEST_MODEL = Path("runs") / "latest" / "generator.onnx"

F = TypeVar("F", bound=Callable[..., Any])


class Perturbation(NamedTuple):
    """One ``--perturb N=V1,V2,...``: latent ``number`` (1-based) and the ``values`` to set it to."""

    number: int
    values: tuple[float, ...]


class DirectionWalk(NamedTuple):
    """One ``--direction K=V1,V2,...``: SeFa direction ``number`` (1-based) and the ``values`` to walk by."""

    number: int
    values: tuple[float, ...]


def parse_value_list(values_text: str, whole: str, example: str) -> tuple[float, ...]:
    """``"-10,10,100"`` -> ``(-10.0, 10.0, 100.0)`` by the runtime's own rule (:func:`check_values`), or a
    ``click.BadParameter`` that quotes ``whole`` (the option's full text) and ``example``.

    Examples
    --------
    >>> parse_value_list("-3, 3", "-3, 3", "e.g. -3,3")
    (-3.0, 3.0)
    """
    pieces = [piece.strip() for piece in values_text.split(",")]
    if not any(pieces):
        raise click.BadParameter(f"{whole!r} has no values ({example})")
    if not all(pieces):
        raise click.BadParameter(f"{whole!r} has an empty value between commas ({example})")
    values = []
    for piece in pieces:
        try:
            values.append(float(piece))
        except ValueError:
            raise click.BadParameter(f"{piece!r} in {whole!r} is not a number ({example})") from None
    try:
        return check_values(values)
    except GanRuntimeError as error:
        raise click.BadParameter(f"{whole!r}: {error}") from None


def parse_ranges(text: str, what: str, example: str) -> tuple[range, ...]:
    """``"0-31,40"`` -> ``(range(0, 32), range(40, 41))``: whole numbers >= 0 and ranges A-B, both ends included.

    ``what`` names one item in the message (``seed``, ``test image``).

    Examples
    --------
    >>> parse_ranges("0-31,40", "seed", "e.g. 0-31,40")
    (range(0, 32), range(40, 41))
    """
    ranges = []
    for piece in text.split(","):
        first, dash, last = piece.strip().partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise click.BadParameter(f"{piece.strip()!r} in {text!r} is not a {what} (a whole number >= 0) or a "
                                     f"range A-B; {example}")
        start, stop = int(first), int(last if dash else first)
        if stop < start:
            raise click.BadParameter(f"{piece.strip()!r} in {text!r} is an empty range; write A-B with A <= B")
        ranges.append(range(start, stop + 1))
    return tuple(ranges)


def _parse_spec(text: str, example: str, not_a_number: str) -> tuple[int, tuple[float, ...]]:
    """``N=V1,V2,...`` -> ``(N, values)``: N a whole number >= 1, values finite and distinct."""
    number_text, equals, values_text = text.partition("=")
    if not equals:
        raise click.BadParameter(f"{text!r} needs the form N=V1,V2,... ({example})")
    try:
        number = int(number_text.strip())
    except ValueError:
        number = 0
    if number < 1:
        raise click.BadParameter(f"{number_text.strip()!r} in {text!r} {not_a_number}")
    return number, parse_value_list(values_text, text, example)


def parse_perturb(text: str | Perturbation) -> Perturbation:
    """Parse ``N=V1,V2,...`` (e.g. ``71=-10,10,100``); N counts from 1, as in the report.

    Checks the syntax only; whether N fits the model's latent size is checked
    once the model is open.

    Examples
    --------
    >>> parse_perturb("71=-10,10,100")
    Perturbation(number=71, values=(-10.0, 10.0, 100.0))
    """
    if isinstance(text, Perturbation):
        return text
    return Perturbation(*_parse_spec(text, "e.g. 71=-10,10,100",
                                     "is not a latent number; numbers count from 1 to the latent size"))


def parse_direction(text: str | DirectionWalk) -> DirectionWalk:
    """Parse ``K=V1,V2,...`` (e.g. ``1=-5,0,5``): SeFa direction K (1 = largest eigenvalue) walked by each value.

    Whether the model stores direction K is checked once the model is open.

    Examples
    --------
    >>> parse_direction("1=-5,0,5")
    DirectionWalk(number=1, values=(-5.0, 0.0, 5.0))
    """
    if isinstance(text, DirectionWalk):
        return text
    return DirectionWalk(*_parse_spec(text, "e.g. 1=-5,0,5",
                                      "is not a direction number; directions count from 1 (1 = the largest SeFa eigenvalue)"))


def distinct_numbers(ctx: click.Context, param: click.Parameter,
                     specs: tuple[Perturbation | DirectionWalk, ...]) -> tuple[Perturbation | DirectionWalk, ...]:
    """A click callback: each latent number (or direction) may be given once, with all its values."""
    numbers = [spec.number for spec in specs]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        what = "direction" if param.name == "directions" else "latent number"
        raise click.BadParameter(f"{what} {repeated[0]} is given twice; list all its values in one N=V1,V2,...")
    return specs


def model_option(command: F) -> F:
    """``--model PATH``: the generator ``.onnx``, resolved by :func:`resolve_model`."""
    return click.option("--model", "model_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
                        metavar="PATH",
                        help=f"Generator .onnx  [default: {LATEST_MODEL} if it exists, else the bundled model]")(command)


def classifier_option(help_text: str = "Measuring classifier .onnx  [default: the bundled one]") -> Callable[[F], F]:
    """``--classifier PATH``: the measuring classifier ``.onnx`` (``None``: the bundled one)."""
    return click.option("--classifier", "classifier_path", type=click.Path(path_type=Path, dir_okay=False),
                        default=None, metavar="PATH", help=help_text)


def device_option(command: F) -> F:
    """``--device auto|cpu|cuda``, as :func:`ganedge.runtime.generator.session.open_session` takes it."""
    return click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
                        help="auto: CUDA if it really loads, else CPU; cuda: CUDA or an error; cpu: CPU.")(command)


def threads_option(command: F) -> F:
    """``--threads N``: the most threads a large batch uses (small ones run on one thread)."""
    return click.option("--threads", type=click.IntRange(1, MAX_THREADS), default=None, metavar="N",
                        help="the most threads a large batch uses: onnxruntime's for up to 1,024 latents, whole "
                             "chunks of 1,024 side by side beyond (batches of up to 64 latents run on one thread, "
                             "which is faster for them)  [default: one per physical core]")(command)


def resolve_model(model_path: Path | None) -> tuple[Path, str]:
    """Which model file to use and why: ``--model``, else ``runs/latest``, else the bundled one.

    Examples
    --------
    >>> resolve_model(Path("my.onnx"))
    (PosixPath('my.onnx'), '--model')
    """
    if model_path is not None:
        return model_path, "--model"
    if LATEST_MODEL.is_file():
        return LATEST_MODEL, "your latest export, runs/latest"
    if BUNDLED_MODEL.is_file():
        return BUNDLED_MODEL, "bundled with ganedge"
    raise GanRuntimeError(
        f"no model: there is no {LATEST_MODEL} here and the bundled model is missing from this install; "
        "pass --model PATH (or run gan-train, then gan-export --opset 17)"
    )


def one_line(message: str) -> str:
    """``message`` with every run of whitespace (newlines included) squeezed to one space.

    Examples
    --------
    >>> one_line("cannot load\\n  the model")
    'cannot load the model'
    """
    return " ".join(str(message).split())


def run_command(command: click.Command, prog_name: str, argv: Sequence[str] | None = None) -> int:
    """Run a ganedge click command; every user error becomes one ``Error: ...`` line and an exit code.

    Used by all six commands: click's usage errors and every
    :class:`~ganedge.runtime.base.errors.GanedgeError` print one line (exit
    2, or the error's own ``exit_code``), Ctrl-C prints one line and exits
    130. Anything else is a bug and keeps its traceback.

    Examples
    --------
    >>> @click.command()
    ... def hello() -> None:
    ...     raise GanRuntimeError("no model at 'g.onnx';\\n pass --model PATH")
    >>> import contextlib, io, sys
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     code = run_command(hello, "hello", [])
    >>> code, err.getvalue()
    (2, "Error: no model at 'g.onnx'; pass --model PATH\\n")
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:  # click's own main() would print a bare newline on Ctrl-C; this is its body without that
        with command.make_context(prog_name, args) as context:
            result = command.invoke(context)
    except click.exceptions.Exit as done:  # --help, --version
        return done.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(f"Error: interrupted (Ctrl-C); {prog_name} stopped", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        click.echo(f"Error: {one_line(error.format_message())}", err=True)
        return EXIT_USAGE
    except GanedgeError as error:
        click.echo(f"Error: {one_line(str(error))}", err=True)
        return error.exit_code
    return result if isinstance(result, int) else 0


def exit_process(code: int) -> NoReturn:
    """End this command-line process with ``code`` at once: flush stdout and stderr, skip the interpreter's teardown.

    Why: after a short job's files are written, tearing down numpy, onnxruntime
    (its environment and thread pool) and every module took 35-40 ms of a
    ~0.3 s ``gan-run`` on 2 cores (docs/decisions.md): time a user waits for
    nothing. Only the console scripts of the short runtime jobs end this way
    (their ``console`` function); ``main`` returns its code, for tests and
    embedding. Every file ganedge writes is complete and closed before this
    runs (atomic writes); atexit handlers do not run, and ganedge registers
    none. A reader that closed the pipe early (``gan-run | head -1``) is not
    an error.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):  # reader gone, or the stream was closed
            pass
    os._exit(code)
