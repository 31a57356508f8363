"""What an exercise is: its prompt, the answer it takes, its check, its answer and its worked solution.

Four kinds of answer (:class:`Kind`):

- ``NUMBER``: a number typed in a box, accepted within an absolute ``tolerance`` of ``answer``
  (read leniently by :func:`exercises.parse.parse_number`; in ``unit`` when the question has one);
  ``mistakes`` lists wrong numbers that a typical slip produces, each with what produced it;
- ``SHAPE``: an array shape typed in a box (``3 × 4``), read by :func:`exercises.parse.parse_shape`;
- ``CHOICE``: one of ``options``, each with why it is right or wrong (misconceptions);
- ``PREDICT``: one of ``options``, committed to before anything that gives the answer away is drawn;
  then the ``solution`` (and ``chart``) reveal what really happens.

Everything is plain data (picklable, no callables), so a whole set can be cached and shared.

An exercise whose reveal needs a model (``needs``, e.g. ``"encoder"``: the pretrained encoder) is built
without it: its prompt, options and answer are complete, but its solution, chart and the reasons of its
options are filled in by :func:`exercises.complete`, which loads the model, only once a student answers
or the answer key is shown. Until then it cannot be checked.
Text is markdown; equations are separate LaTeX blocks. No text typed by a student ever goes into
a message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .parse import parse_number, parse_shape

__all__ = ["Kind", "Block", "Option", "Mistake", "Chart", "Verdict", "Exercise", "fmt", "md", "tex"]


class Kind(StrEnum):
    NUMBER = "number"
    SHAPE = "shape"
    CHOICE = "choice"
    PREDICT = "predict"


KIND_LABELS = {
    Kind.NUMBER: "Compute it",
    Kind.SHAPE: "Shape",
    Kind.CHOICE: "Misconception check",
    Kind.PREDICT: "Predict, then reveal",
}


@dataclass(frozen=True)
class Block:
    """One piece of a solution: markdown (``kind="md"``) or a LaTeX display equation (``kind="latex"``)."""

    kind: str
    text: str


def md(text: str) -> Block:
    return Block("md", text)


def tex(text: str) -> Block:
    return Block("latex", text)


@dataclass(frozen=True)
class Option:
    """A choice and why it is right or wrong (markdown, with the exercise's own numbers)."""

    text: str
    why: str


@dataclass(frozen=True)
class Mistake:
    """A wrong number a typical slip produces, and the slip (markdown)."""

    value: float
    why: str


@dataclass(frozen=True)
class Chart:
    """A bar chart as plain data: one bar per label for each named series (drawn by ``figures.exercises``)."""

    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    y_title: str = ""
    log_y: bool = False


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: right or wrong, and a message (markdown) that never quotes the input."""

    correct: bool
    message: str
    readable: bool = True  # False: the input could not be read (no attempt is counted against the student)


def fmt(x: float, digits: int = 3) -> str:
    """A number as the pages print it: fixed ``digits`` decimals, no ``-0.000``, a typographic minus."""
    text = f"{float(x):.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


_OTHER_UNIT = {"MiB": "bytes or GiB", "GFLOP": "FLOP or TFLOP"}


def _shape_text(shape: tuple[int, ...]) -> str:
    return " × ".join(str(n) for n in shape)


@dataclass(frozen=True)
class Exercise:
    """One exercise; see the module docstring for the kinds and their fields.

    ``given`` holds the inputs shown in the prompt as plain numbers (lists, floats, ints), so that a
    test can recompute ``answer`` independently; ``answer`` is a float (NUMBER), a tuple of ints
    (SHAPE) or the index of the right option (CHOICE, PREDICT).
    """

    id: str
    title: str
    kind: Kind
    prompt: str
    answer: Any
    solution: tuple[Block, ...]
    tolerance: float = 0.0
    unit: str = ""
    digits: int = 3  # NUMBER: decimals of the answer as printed
    options: tuple[Option, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    chart: Chart | None = None
    given: dict = field(default_factory=dict)
    needs: str = ""  # a model the reveal still needs ("encoder"); "" once complete

    def __post_init__(self) -> None:
        if self.kind in (Kind.CHOICE, Kind.PREDICT) and not 0 <= self.answer < len(self.options):
            raise ValueError(f"{self.id}: the answer must be the index of one of its {len(self.options)} options")
        if self.kind is Kind.NUMBER and not (math.isfinite(self.answer) and self.tolerance > 0):
            raise ValueError(f"{self.id}: a number needs a finite answer and a positive tolerance")
        # A slip is only named when its number cannot be mistaken for the answer or for an earlier slip.
        kept: list[Mistake] = []
        for m in self.mistakes:
            if all(abs(m.value - v) > 2 * self.tolerance for v in [self.answer, *(k.value for k in kept)]):
                kept.append(m)
        object.__setattr__(self, "mistakes", tuple(kept))

    # ---- what the answer key shows ------------------------------------------------------------------

    @property
    def answer_text(self) -> str:
        """The answer as a student would give it (the check accepts exactly this text)."""
        if self.kind is Kind.NUMBER:
            return fmt(self.answer, self.digits).replace("−", "-") + (f" {self.unit}" if self.unit else "")
        if self.kind is Kind.SHAPE:
            return _shape_text(self.answer)
        return self.options[self.answer].text

    @property
    def accepts(self) -> str:
        """What the check accepts, in words (markdown)."""
        if self.kind is Kind.NUMBER:
            digits = self.digits + 1  # the bounds rounded inwards, so that every number shown is accepted
            low = math.ceil((self.answer - self.tolerance) * 10**digits - 1e-6) / 10**digits
            high = math.floor((self.answer + self.tolerance) * 10**digits + 1e-6) / 10**digits
            unit = f" {self.unit}" if self.unit else ""
            return (f"any number from {fmt(low, digits)} to {fmt(high, digits)}{unit}"
                    + (f" (the same amount in another unit, e.g. {_OTHER_UNIT.get(self.unit, 'bytes')}, is converted)"
                       if self.unit else ""))
        if self.kind is Kind.SHAPE:
            return f"{_shape_text(self.answer)}, written e.g. {'x'.join(map(str, self.answer))} or {self.answer}"
        return f"option “{self.options[self.answer].text}” only"

    # ---- the check -----------------------------------------------------------------------------------

    def check(self, response: Any) -> Verdict:
        """Judge a response: text for NUMBER and SHAPE, an option index for CHOICE and PREDICT."""
        if self.needs:
            raise RuntimeError(f"{self.id} needs the {self.needs} first: pass it through exercises.complete")
        if self.kind is Kind.NUMBER:
            return self._check_number(response)
        if self.kind is Kind.SHAPE:
            return self._check_shape(response)
        return self._check_option(response)

    def _check_number(self, response: Any) -> Verdict:
        try:
            value = parse_number("" if response is None else str(response), self.unit)
        except ValueError as err:
            return Verdict(False, str(err), readable=False)
        unit = f" {self.unit}" if self.unit else ""
        read = f"{value:.6g}{unit}"
        if abs(value - self.answer) <= self.tolerance * (1 + 1e-9):
            return Verdict(True, f"**Right:** {read} (to {self.digits + 1} decimals the answer is "
                                 f"{fmt(self.answer, self.digits + 1)}{unit}).")
        for mistake in self.mistakes:
            if abs(value - mistake.value) <= self.tolerance * (1 + 1e-9):
                return Verdict(False, f"**Not quite:** {read}. {mistake.why}")
        return Verdict(False, f"**Not quite:** {read} is not within {fmt(self.tolerance, self.digits + 1)} of the "
                              "answer. Check each step against the worked solution, then try again.")

    def _check_shape(self, response: Any) -> Verdict:
        try:
            shape = parse_shape("" if response is None else str(response))
        except ValueError as err:
            return Verdict(False, str(err), readable=False)
        if shape == tuple(self.answer):
            return Verdict(True, f"**Right:** {_shape_text(shape)}.")
        if len(shape) != len(self.answer):
            return Verdict(False, f"**Not quite:** {_shape_text(shape)} has {len(shape)} axis(es); this result "
                                  f"has {len(self.answer)}: rows × columns.")
        return Verdict(False, f"**Not quite:** {_shape_text(shape)}. In a product A·B the rows come from A and the "
                              "columns from B; the inner sizes must agree and disappear.")

    def _check_option(self, response: Any) -> Verdict:
        if response is None or isinstance(response, bool) or not isinstance(response, int) \
                or not 0 <= response < len(self.options):
            return Verdict(False, "Pick one of the options first.", readable=False)
        option = self.options[response]
        if response == self.answer:
            return Verdict(True, f"**Right.** {option.why}")
        return Verdict(False, f"**Not this one.** {option.why}")
