"""A printed summary table (Keras' ``model.summary()``, ``torchinfo.summary()``) as rows of data.

The readers of each layout fill these in; ``readers.explain`` works out each row's count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizgen.errors import ModelFileError

Shape = tuple[int | None, ...]

NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+$")


@dataclass
class SummaryRow:
    """One layer row: what the table prints about it (shapes without the batch axis)."""

    line: int
    cls: str
    printed: int | None
    """The printed parameter count; None where the table prints ``--`` or ``(recursive)``."""
    output_shape: Shape | None = None
    name: str | None = None
    depth: int = 0
    input_shape: Shape | None = None
    """The layer's input, where the table prints it (torchinfo's ``input_size`` column)."""
    inputs: tuple[str, ...] = ()
    """The layers it reads (Keras' ``Connected to``), by name."""
    trainable: bool | None = None
    recursive: bool = False
    kernel: tuple[int, ...] | None = None
    truncated: bool = False
    unbuilt: bool = False
    """Keras printed ``0 (unbuilt)``: the layer had no weights yet."""
    """The class name was cut short by the table's width (``MultiHeadAttenti…``)."""

    @property
    def label(self) -> str:
        cls = f"{self.cls}…" if self.truncated else self.cls
        return f"{self.name} ({cls})" if self.name else cls


@dataclass
class SummaryTable:
    """A whole table: its rows and the totals printed under it."""

    format: str
    framework: str
    rows: list[SummaryRow]
    model_name: str | None = None
    total: int | None = None
    trainable: int | None = None
    non_trainable: int | None = None
    channels_first: bool = False
    notes: list[str] = field(default_factory=list)


def parse_count(text: str) -> int | None:
    """``1,331`` or ``1331`` as a number; None for anything else."""
    text = text.strip()
    if not NUMBER.match(text):
        return None
    return int(text.replace(",", ""))


def parse_shape(text: str, batch: bool = True) -> Shape | None:
    """``(None, 26, 26, 4)`` or ``[2, 7, 16]`` without the batch axis; the first of a list of shapes.

    None where the text is no shape (``multiple``, ``--``, ``?``).
    """
    text = text.strip()
    while text.startswith("[(") or text.startswith("[["):
        text = text[1:]
    match = re.match(r"^[(\[]([^()\[\]]*)[)\]]", text)
    if match is None:
        return None
    items = [item.strip() for item in match.group(1).split(",") if item.strip()]
    dims: list[int | None] = []
    for item in items:
        if item == "None":
            dims.append(None)
        elif item.isdigit() and len(item) <= 10:
            dims.append(int(item))
        else:
            return None
    if batch:
        dims = dims[1:]
    return tuple(dims)


def fail(source: str, line: int | None, message: str) -> ModelFileError:
    where = f"{source}:{line}" if line else source
    return ModelFileError(f"{where}: {message}")
