"""Quantized checkpoints: int8 (1 byte) or int4 (½ byte) a weight, plus a 2-byte scale (and, with
zero points, a second 2-byte value) per group of ``group`` weights, as GPTQ and AWQ store them."""

from __future__ import annotations

from dataclasses import dataclass

from quizgen.counting.figure import Figure, number, quoted
from quizgen.counting.model import ModelCount
from quizgen.errors import UsageError

BITS = {"int8": 8, "int4": 4}
SCALE_BYTES = 2


@dataclass(frozen=True)
class Quantization:
    format: str
    group: int | None = 128
    zero_points: bool = False

    def __str__(self) -> str:
        group = "none" if self.group is None else str(self.group)
        return f"{self.format},group={group}" + (",zero=true" if self.zero_points else "")


def parse_quantization(text: str) -> Quantization:
    """``int4``, ``int4,group=64``, ``int8,group=none``, ``int4,group=128,zero=true``."""
    pieces = [p.strip() for p in text.split(",") if p.strip()]
    if not pieces or pieces[0] not in BITS:
        raise UsageError(f"--quantize takes int8 or int4 (then group=N, zero=true), not {quoted(text)}")
    group: int | None = 128
    zero = False
    for piece in pieces[1:]:
        key, _, value = piece.partition("=")
        if key == "group":
            if value == "none":
                group = None
            elif value.isdigit() and int(value) > 0:
                group = int(value)
            else:
                raise UsageError(f"--quantize: group takes a positive whole number or none, not {quoted(value)}")
        elif key == "zero":
            if value not in ("true", "false"):
                raise UsageError(f"--quantize: zero takes true or false, not {quoted(value)}")
            zero = value == "true"
        else:
            raise UsageError(f"--quantize takes group=N and zero=true|false, not {quoted(piece)}")
    return Quantization(pieces[0], group, zero)


def quant_bytes(model: ModelCount, q: Quantization, slip: str | None = None) -> Figure:
    """Every parameter stored at the format's width, with one scale (and zero point) per group
    (``slip``: ``forgot_scales`` leaves the scales out)."""
    n = model.total
    bits = BITS[q.format]
    weights = -(-n * bits // 8)
    per_group = SCALE_BYTES * (2 if q.zero_points else 1)
    groups = 0 if q.group is None or slip == "forgot_scales" else -(-n // q.group)
    width = "1" if bits == 8 else "½"
    working = f"{width}·{number(n)}"
    if groups:
        working += f" + {per_group}·⌈{number(n)}/{q.group}⌉"
    return Figure(
        "quant_bytes",
        weights + per_group * groups,
        "bytes",
        working,
        f"{q.format}: {width} byte a weight (every parameter)"
        + (f", a {SCALE_BYTES}-byte scale per group of {q.group}" if q.group else ", no scales")
        + (" and a 2-byte zero point" if q.zero_points and q.group else ""),
    )
