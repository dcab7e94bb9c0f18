"""The text tables ganedge's measuring commands print: ``--explain``'s class shares, ``gan-eval``'s metrics, ``gan-sweep``'s ranking."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..base.edit_values import format_value
from .evaluate import PRESENT_SHARE, Evaluation, SampleQuality
from .shares import DEFAULT_TOP_CLASSES, short_name, top_classes
from .sweep import Sweep, SweepResult

EVAL_COLUMNS = ("generator", "floor (train vs test)", "noise")


def format_shares(shares: np.ndarray, class_names: Sequence[str], top: int = DEFAULT_TOP_CLASSES, short: bool = False) -> str:
    """``"Trouser 62.5%, Dress 25.0%"``: the top classes of one row, as printed by ``--explain``.

    Examples
    --------
    >>> format_shares(np.array([0.375, 0.625]), ["Dress", "Trouser"])
    'Trouser 62.5%, Dress 37.5%'
    """
    if short:
        return "  ".join(f"{short_name(name)} {share:.0%}" for name, share in top_classes(shares, class_names, top))
    return ", ".join(f"{name} {share:.1%}" for name, share in top_classes(shares, class_names, top))


def format_explain_table(labels: Sequence[str], shares: np.ndarray, class_names: Sequence[str], n: int,
                         top: int = DEFAULT_TOP_CLASSES) -> str:
    """``gan-run --explain``'s table: one line per grid row, its label and its top classes with shares.

    Examples
    --------
    >>> print(format_explain_table(["random z"], np.array([[0.25, 0.75]]), ["Bag", "Trouser"], 8))
    class shares per row (8 images each):
      random z  Trouser 75.0%, Bag 25.0%
    """
    width = max(len(label) for label in labels)
    lines = [f"class shares per row ({n:,} images each):"]
    lines += [f"  {label.ljust(width)}  {format_shares(row, class_names, top)}" for label, row in zip(labels, shares)]
    return "\n".join(lines)


def format_eval_table(result: Evaluation) -> str:
    """The readable table ``gan-eval`` prints: one row per metric, one column per image set.

    Examples
    --------
    >>> from ganedge.runtime.measure.evaluate import SampleQuality
    >>> quality = lambda fd, p, r, shares: SampleQuality(fd, p, r, np.array(shares), 0.9)
    >>> result = Evaluation(1000, 0, 3, ("Bag", "Coat"), quality(140.0, 0.8, 0.2, [0.6, 0.4]),
    ...                     quality(1.0, 0.83, 0.83, [0.5, 0.5]), quality(900.0, 0.0, 0.0, [1.0, 0.0]))
    >>> print(format_eval_table(result))
    metric                 generator  floor (train vs test)       noise
    ---------------------  ---------  ---------------------  ----------
    Frechet distance (FD)    140.000                  1.000     900.000
    precision (k=3)            0.800                  0.830       0.000
    recall (k=3)               0.200                  0.830       0.000
    classes >= 2%              2 / 2                  2 / 2       1 / 2
    mean confidence            0.900                  0.900       0.900
    top class              Bag 60.0%              Bag 50.0%  Bag 100.0%
    predicted-class histogram:
      Bag                      60.0%                  50.0%      100.0%
      Coat                     40.0%                  50.0%        0.0%
    """
    sets = list(result.sets().values())
    names = result.class_names
    present = f"classes >= {PRESENT_SHARE:.0%}"

    def top(q: SampleQuality) -> str:
        best = int(q.class_shares.argmax())
        return f"{names[best]} {q.class_shares[best]:.1%}"

    rows = [
        ("Frechet distance (FD)", [f"{q.frechet_distance:.3f}" for q in sets]),
        (f"precision (k={result.k})", [f"{q.precision:.3f}" for q in sets]),
        (f"recall (k={result.k})", [f"{q.recall:.3f}" for q in sets]),
        (present, [f"{q.classes_present} / {len(names)}" for q in sets]),
        ("mean confidence", [f"{q.mean_confidence:.3f}" for q in sets]),
        ("top class", [top(q) for q in sets]),
    ]
    histogram = [(f"  {name}", [f"{q.class_shares[c]:.1%}" for q in sets]) for c, name in enumerate(names)]
    head = ("metric", *EVAL_COLUMNS)
    everything = rows + histogram
    widths = [max(len(head[0]), *(len(label) for label, _ in everything))]
    widths += [max(len(head[i + 1]), *(len(cells[i]) for _, cells in everything)) for i in range(len(EVAL_COLUMNS))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])

    lines = [line(head), line(["-" * w for w in widths])]
    lines += [line([label, *cells]) for label, cells in rows]
    lines.append("predicted-class histogram:")
    lines += [line([label, *cells]) for label, cells in histogram]
    return "\n".join(lines)


def ranking_table(result: SweepResult, top: int) -> str:
    """The strongest ``top`` edits: rank, edit, value, TV, the class gained and the class lost (percentage points)."""
    names = result.class_names
    lines = [f"{'rank':>4}  {'edit':<10} {'value':>6}  {'TV':>5}  {'gained':<22} lost"]
    for rank, edit in enumerate(result.ranking()[:top], start=1):
        lines.append(ranking_line(result, int(edit), rank, names))
    return "\n".join(lines)


def ranking_line(result: SweepResult, edit: int, rank: int, names: Sequence[str]) -> str:
    """One ranking line: rank, edit, its strongest value, TV, the class gained and the class lost."""
    v = result.strongest_value(edit)
    gained, gain = result.gained(edit, v)
    lost, loss = result.lost(edit, v)
    return (f"{rank:>4}  {result.labels[edit]:<10} {format_value(result.values[v]):>6}  {result.tv[edit, v]:>5.3f}  "
            f"{f'{names[gained]} {gain * 100:+.1f}':<22} {names[lost]} {loss * 100:+.1f}")


REPORT_GUESSES = {2: "long sleeves", 71: "T-shirt", 100: "trousers"}  # what the report read into these numbers
FAMILY_CAPTIONS = {"latent": "latent numbers 1..{count} set to v", "sefa": "SeFa directions 1..{count}, z + v*d",
                   "random": "{count} random unit directions, z + v*d"}


def format_sweep(sweep: Sweep, top: int) -> str:
    """``gan-sweep``'s printed report: unmodified shares, the ranking, the report's guesses, the mean TVs."""
    latent, names = sweep.latent, sweep.latent.class_names
    lines = [f"unmodified latents: {format_shares(latent.base_shares, names, top=4)}", "",
             f"strongest {min(top, len(latent.labels))} latent numbers (set to value; TV of the class shares):",
             ranking_table(latent, top)]
    guesses = [number for number in REPORT_GUESSES if number <= len(latent.labels)]
    if guesses:
        rank_of = {int(e): r for r, e in enumerate(latent.ranking(), start=1)}
        said = ", ".join(f"#{number} {REPORT_GUESSES[number]}" for number in guesses)
        lines.append(f"the report's guesses ({said}) here:")
        lines += [ranking_line(latent, number - 1, rank_of[number - 1], names) for number in guesses]
    lines += ["", f"mean TV over values {', '.join(format_value(v) for v in latent.values)}:"]
    for family, result in sweep.families():
        lines.append(f"  {FAMILY_CAPTIONS[family].format(count=len(result.labels)):<42} {result.tv.mean():.3f}")
    summary = sweep.summary()
    if "sefa_over_random" in summary:
        lines.append(f"  {'SeFa / random':<42} {summary['sefa_over_random']:.1f}x")
        lines.append(f"  {'SeFa direction 1 alone / random':<42} {summary['sefa_direction_1_over_random']:.1f}x")
    return "\n".join(lines)
