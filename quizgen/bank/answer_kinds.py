"""The kinds of quantity an answer can be, and the words and units each allows after its number.

One entry a kind: its unit words (lower case) with their factor to the kind's base unit and,
where two units measure different things (MACs and FLOPs), the dimension each measures; the
magnitude suffixes a number may carry (``1.2M``, case as written); and the largest value read.
The practice pages' reader gets the same table as JSON (``reader_table``), so the grader and the
browser read answers alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from quizgen.caches import bounded
from quizgen.counting.misconceptions import CATALOGUE
from quizgen.errors import GradeError

THOUSANDS = {"k": 1e3, "K": 1e3, "M": 1e6, "m": 1e6, "B": 1e9, "b": 1e9}  # 7b as people write model sizes


def _prefixed(words: tuple[str, ...], dimension: str) -> dict[str, tuple[float, str]]:
    """``MACs``, ``GMACs``, ``TFLOPs`` …: a word with each SI prefix, lower-cased."""
    prefixes = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15, "e": 1e18, "z": 1e21}
    return {p + w: (f, dimension) for p, f in prefixes.items() for w in words}


@dataclass(frozen=True)
class Kind:
    name: str
    what: str
    """What the answer is, for messages: ``a number of parameters``."""
    base: str | None
    """The unit an answer is in when the key names none (None: a plain number)."""
    words: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    suffixes: dict[str, float] = field(default_factory=dict)
    limit: float = 1e15
    dimension_mistake: str | None = None
    """The catalogued mistake of a unit of the other dimension (FLOPs typed for MACs)."""
    asks: tuple[tuple[str, str | None], ...] = ()
    """The key quantities of this kind (a pattern each) and the unit each implies, if any: the unit
    the counting core gives its value in (a training time in days, a share in percent)."""
    confusions: dict[str, dict[str, str]] = field(default_factory=dict)
    """Asked unit -> {a unit typed for it by a catalogued mistake: that mistake} (GiB for GB, bits
    for bytes): the right number typed with that unit earns the mistake, not a conversion."""

    def unit(self, word: str | None) -> tuple[float, str | None]:
        """Factor and dimension of a unit word of this kind (the base unit for None)."""
        if word is None:
            word = self.base
        if word is None:
            return 1.0, None
        return self.words[word.lower()]

    def confused(self, asked: str | None, typed: str) -> str | None:
        """The catalogued mistake of typing unit ``typed`` where ``asked`` is meant, if there is one."""
        return self.confusions.get((asked or self.base or "").lower(), {}).get(typed.lower())


def _byte_confusions() -> dict[str, dict[str, str]]:
    """GB for GiB and the reverse at every prefix (the same digits are 7.4 % apart at G), and bits
    for bytes."""
    pairs = {d: b for d, b in zip(("kb", "mb", "gb", "tb", "pb"), ("kib", "mib", "gib", "tib", "pib"), strict=True)}
    confusions = {d: {b: "gib_as_gb"} for d, b in pairs.items()}
    confusions.update({b: {d: "gib_as_gb"} for d, b in pairs.items()})
    for word in ("b", "byte", "bytes"):
        confusions[word] = dict.fromkeys(("bit", "bits"), "bits_for_bytes")
    return confusions


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "count",
            "a number of parameters",
            None,
            dict.fromkeys(("params", "param", "parameters", "parameter", "weights"), (1.0, None)),
            THOUSANDS,
            asks=((r"^(total|trainable|layer|units|lora_params|optimal_params)\b|^$", None),),
        ),
        Kind(
            "tokens",
            "a number of tokens",
            None,
            dict.fromkeys(("tokens", "token"), (1.0, None)),
            {**THOUSANDS, "T": 1e12},
            1e18,
            asks=((r"^(optimal_tokens|tokens)\b", None),),
        ),
        Kind(
            "bytes",
            "a size in bytes",
            "b",
            {
                **dict.fromkeys(("b", "byte", "bytes"), (1.0, None)),
                **{u: (10.0 ** (3 * k), None) for k, u in enumerate(("kb", "mb", "gb", "tb", "pb"), start=1)},
                **{u: (2.0 ** (10 * k), None) for k, u in enumerate(("kib", "mib", "gib", "tib", "pib"), start=1)},
                "bit": (0.125, None),
                "bits": (0.125, None),
            },
            limit=1e18,
            asks=((r"_bytes\b", None),),
            confusions=_byte_confusions(),
        ),
        Kind(
            "operations",
            "a number of operations",
            "macs",
            {**_prefixed(("macs", "mac"), "macs"), **_prefixed(("flops", "flop"), "flops")},
            {**THOUSANDS, "G": 1e9, "T": 1e12},
            1e30,
            dimension_mistake="flops_for_macs",
            asks=((r"^macs$|\.macs$", "macs"), (r"^(flops|train_flops|train_flops_6nd)\b|\.flops$", "flops")),
        ),
        Kind(
            "time",
            "a time",
            "s",
            {
                **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), (1.0, None)),
                **dict.fromkeys(("min", "mins", "minute", "minutes"), (60.0, None)),
                **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), (3600.0, None)),
                **dict.fromkeys(("d", "day", "days"), (86400.0, None)),
                **dict.fromkeys(("week", "weeks"), (604800.0, None)),
            },
            asks=((r"^train_time\b", "days"),),
        ),
        Kind(
            "percent",
            "a percentage",
            "%",
            dict.fromkeys(("%", "percent"), (1.0, None)),
            asks=((r"^lora_share\b", "%"),),
        ),
        Kind("ratio", "a ratio", None, {"x": (1.0, None)}, asks=((r"^(ratio|flops_6nd_ratio)\b", None),)),
        Kind(
            "batch",
            "a number of sequences",
            None,
            dict.fromkeys(("sequences", "sequence"), (1.0, None)),
            asks=((r"^max_batch\b", None),),
        ),
        Kind(
            "positions",
            "a number of input positions",
            None,
            dict.fromkeys(("pixels", "pixel", "px", "samples", "sample", "positions", "steps"), (1.0, None)),
            asks=((r"^receptive_field\b", None),),
        ),
        Kind("number", "a number", None, asks=((r"^output_shape\b", None),)),
    )
}
ORDER = ("ratio", "bytes", "operations", "time", "percent", "tokens", "batch", "positions", "number", "count")
"""The order quantities are matched in: a ratio of byte sizes is a ratio, ``layer[2].macs`` operations."""
_ASKS = [(re.compile(pattern), KINDS[name], unit) for name in ORDER for pattern, unit in KINDS[name].asks]


def kind_of(question: dict[str, Any]) -> tuple[Kind, str | None]:
    """The kind of a numeric key question and the unit its answer is in (``unit`` in the key, or
    the one its quantity implies: MACs or FLOPs); a unit the kind has no word for is refused."""
    quantity, unit = question.get("quantity") or "", question.get("unit")
    if type(quantity) is str and (unit is None or type(unit) is str):
        kind, unit = _kind_for(quantity, unit)  # a key repeats a few quantities a million times
    else:
        kind, unit = _kind_for.__wrapped__(str(quantity), unit)
    if unit is not None and unit.lower() not in kind.words:
        raise GradeError(
            f"question {question.get('label', '?')}: field 'unit' is '{unit}', not a unit of {kind.what} "
            f"(one of {', '.join(sorted(kind.words)) or 'none'})"
        )
    return kind, unit


@bounded(1024)
def _kind_for(quantity: str, unit: Any) -> tuple[Kind, Any]:
    for pattern, kind, implied in _ASKS:
        if pattern.search(quantity):
            return kind, unit or implied
    return KINDS["number"], unit


def reader_table(kind: Kind, unit: str | None) -> dict[str, Any]:
    """What the practice page's reader needs to read an answer of this kind, as JSON."""
    factor, dimension = kind.unit(unit)
    return {
        "kind": kind.name,
        "what": kind.what,
        "words": {w: [f, d] for w, (f, d) in sorted(kind.words.items())},
        "suffixes": dict(sorted(kind.suffixes.items())),
        "limit": kind.limit,
        "factor": factor,
        "dimension": dimension,
        "dimension_mistake": kind.dimension_mistake,
        "confusions": dict(sorted(kind.confusions.get((unit or kind.base or "").lower(), {}).items())),
    }


def unit_feedback(question: dict[str, Any], name: str) -> str:
    """Why the unit typed is a mistake: the question's own words for it, else the catalogue's."""
    said = question.get("misconception_feedback", {}).get(name)
    if said:
        return str(said)
    mistake = CATALOGUE[name]
    return f"{mistake.title}: {mistake.why}."


def confusion_feedback(question: dict[str, Any], name: str) -> str:
    """Why the right digits under a confused unit (GiB typed for GB) earn a mistake."""
    unit = question.get("unit") or {"b": "bytes"}.get(kind_of(question)[0].base or "", "the unit asked")
    mistake = CATALOGUE[name]
    return f"The digits are right in {unit}, but the unit typed is not {unit}: {mistake.why}."
