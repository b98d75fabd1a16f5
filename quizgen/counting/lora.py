"""LoRA: rank-r adapters A (r × in) and B (out × r) beside the linear layers named, r·(in + out)
parameters per adapted matrix; the base model is frozen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quizgen.counting.figure import Figure, quoted
from quizgen.counting.layers import LAYERS
from quizgen.counting.layers.base import bind
from quizgen.counting.model import LayerCount, ModelCount
from quizgen.errors import UsageError

ALIASES = {
    "q_proj": "q",
    "k_proj": "k",
    "v_proj": "v",
    "o_proj": "o",
    "query": "q",
    "key": "k",
    "value": "v",
    "out_proj": "o",
    "gate_proj": "gate",
    "up_proj": "up",
    "down_proj": "down",
    "linear1": "fc1",
    "linear2": "fc2",
    "intermediate": "fc1",
    "c_fc": "fc1",
    "qkv": "c_attn",
}
"""Module names as PEFT's target_modules spells them for Llama, BERT, GPT-2 and PyTorch blocks."""
TARGETS = ("q", "k", "v", "o", "c_attn", "c_proj", "gate", "up", "down", "fc1", "fc2", "dense", "all-linear")


@dataclass(frozen=True)
class Lora:
    rank: int
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"r={self.rank},targets={','.join(self.targets)}"


def parse_lora(text: str) -> Lora:
    """``r=8,targets=q,v`` (targets also as ``q+v``, in PEFT's names ``q_proj,v_proj``, or ``all-linear``)."""
    rank: int | None = None
    targets: list[str] = []
    current = None
    for piece in text.replace("+", ",").split(","):
        piece = piece.strip()
        if not piece:
            continue
        if "=" in piece:
            key, value = (s.strip() for s in piece.split("=", 1))
            if key == "r":
                if not value.isdigit() or int(value) < 1:
                    raise UsageError(f"--lora: r takes a positive whole number, not {quoted(value)}")
                rank, current = int(value), None
                continue
            if key != "targets":
                raise UsageError(f"--lora takes r=… and targets=…, not {quoted(key)}")
            current, piece = "targets", value
            if not piece:
                continue
        if current != "targets":
            raise UsageError(f"--lora: {quoted(piece)} is neither r=… nor a target (write r=8,targets=q,v)")
        name = ALIASES.get(piece, piece)
        if name not in TARGETS:
            raise UsageError(
                f"--lora: unknown target {quoted(piece)} (known: {', '.join(TARGETS)} and PEFT's q_proj, …)"
            )
        if name not in targets:
            targets.append(name)
    if rank is None:
        raise UsageError("--lora needs the rank: r=8,targets=q,v")
    if not targets:
        raise UsageError("--lora needs targets: r=8,targets=q,v (or targets=all-linear)")
    return Lora(rank, tuple(targets))


@dataclass(frozen=True)
class Matrix:
    """A linear map LoRA can adapt: its name, in and out widths, copies (repeated blocks), and the
    other target names that reach it (PEFT matches a module by its name's last part: BERT's
    ``dense`` is its attention output and both feed-forward matrices)."""

    name: str
    n_in: int
    n_out: int
    copies: int = 1
    also: tuple[str, ...] = ()


def copies(layer: LayerCount) -> int:
    """Copies of a repeated block (``layers=32`` or a reader's ``0-31`` range)."""
    expr = layer.expr
    factors = getattr(expr, "factors", ())
    if factors and getattr(factors[0], "label", None) == "layers":
        return int(factors[0].value)
    return 1


def _args(layer: LayerCount, framework: str) -> dict[str, Any]:
    return bind(layer.call, LAYERS[layer.type], framework)


def matrices(layer: LayerCount, framework: str, last: bool) -> list[Matrix]:
    """The linear maps inside a layer, under the names LoRA targets take (``last``: the model's
    output head, which PEFT's all-linear leaves out)."""
    kind = layer.type
    if kind == "Input" or not layer.params:
        return []
    args = _args(layer, framework)
    n = copies(layer)
    if kind == "Dense":
        width = layer.input_width
        if width is None:
            return []
        name = layer.name.rsplit(".", 1)[-1] if layer.name else "dense"
        return [Matrix(name, width, args["units"], n, ("output head",) if last else ())]
    if kind == "LlamaDecoderLayer":
        if args["experts"] is not None:
            raise UsageError("--lora: a mixture of experts' MLP is not adapted here")
        h, heads, i = args["hidden"], args["heads"], args["intermediate"]
        kv = args["kv_heads"] or heads
        d = args["head_dim"] or h // heads
        return [
            Matrix("q", h, heads * d, n),
            Matrix("k", h, kv * d, n),
            Matrix("v", h, kv * d, n),
            Matrix("o", heads * d, h, n),
            Matrix("gate", h, i, n),
            Matrix("up", h, i, n),
            Matrix("down", i, h, n),
        ]
    if kind == "GPT2Block":
        e = args["d_model"]
        inner = args["inner"] or 4 * e
        return [
            Matrix("c_attn", e, 3 * e, n),
            Matrix("c_proj", e, e, n),
            Matrix("fc1", e, inner, n),
            Matrix("c_proj", inner, e, n),
        ]
    if kind == "BertLayer":
        h, i = args["hidden"], args["intermediate"]
        return [
            Matrix("q", h, h, n),
            Matrix("k", h, h, n),
            Matrix("v", h, h, n),
            Matrix("o", h, h, n, ("dense",)),
            Matrix("fc1", h, i, n, ("dense",)),
            Matrix("fc2", i, h, n, ("dense",)),
        ]
    if kind in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        e, f = args["d_model"], args["dim_feedforward"]
        attention = [Matrix(x, e, e, n) for x in ("q", "k", "v", "o")]
        twice = 2 if kind == "TransformerDecoderLayer" else 1
        return [*[replace_copies(m, n * twice) for m in attention], Matrix("fc1", e, f, n), Matrix("fc2", f, e, n)]
    if kind == "MultiHeadAttention" and framework == "pytorch":
        e = layer.input_width or 0
        kdim, vdim = args["kdim"] or e, args["vdim"] or e
        return [Matrix("q", e, e), Matrix("k", kdim, e), Matrix("v", vdim, e), Matrix("o", e, e)]
    return []


def replace_copies(m: Matrix, copies: int) -> Matrix:
    return Matrix(m.name, m.n_in, m.n_out, copies, m.also)


def _chosen(m: Matrix, targets: tuple[str, ...]) -> bool:
    if "all-linear" in targets:
        return "output head" not in m.also
    return m.name in targets or any(name in targets for name in m.also)


def adapted(model: ModelCount, lora: Lora) -> list[tuple[LayerCount, Matrix]]:
    """Each adapted matrix with its layer. The output head (a model's last layer, or a module named
    ``lm_head``) is left out of ``all-linear``, as PEFT leaves out the output embeddings."""
    found = []
    for layer in model.layers:
        head = layer.name == "lm_head" if layer.name else layer.index == len(model.layers)
        for m in matrices(layer, model.framework, head):
            if _chosen(m, lora.targets):
                found.append((layer, m))
    return found


def lora_params(model: ModelCount, lora: Lora, r_in_out: bool = False) -> Figure:
    """r·(in + out) per adapted matrix (``r_in_out``: the mistake r·in·out)."""
    found = adapted(model, lora)
    if not found:
        raise UsageError(f"--lora: the model has no linear layer named {', '.join(lora.targets)}")
    r = lora.rank
    terms, value = [], 0
    for _, m in found:
        size = m.n_in * m.n_out if r_in_out else m.n_in + m.n_out
        inner = f"{m.n_in}·{m.n_out}" if r_in_out else f"({m.n_in}+{m.n_out})"
        terms.append(f"{m.copies}·{r}·{inner}" if m.copies > 1 else f"{r}·{inner}")
        value += m.copies * r * size
    return Figure(
        "lora_params",
        value,
        "parameters",
        " + ".join(terms) if len(terms) < 12 else f"{len(terms)} matrices: {' + '.join(terms[:3])} + …",
        f"LoRA rank {r} on {', '.join(lora.targets)}: r·(in + out) per adapted matrix (A is r×in, B out×r)",
    )
