"""Training and deployment quantities a question asks (design.md §11), written with their options:
``train_bytes(adamw, bf16-mixed, zero=2, devices=64)``, ``train_flops(tokens=3e11)``,
``train_time(tokens=3e11, device=h100-sxm, mfu=0.4, devices=1024, precision=bf16-mixed)``,
``lora_params(r=8, targets=q+v)``, ``quant_bytes(int4, group=128)``, ``receptive_field[3]``; and
the §11 mistakes that give their wrong numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from quizgen.counting import training as t
from quizgen.counting.figure import Figure, number, quoted, whole
from quizgen.counting.kv_cache import kv_cache_elements
from quizgen.counting.lora import lora_params
from quizgen.counting.model import ModelCount
from quizgen.counting.quantize import BITS, parse_quantization, quant_bytes
from quizgen.counting.receptive_field import receptive_field, receptive_fields
from quizgen.errors import QuizgenError, UsageError

UNIT_KINDS = {
    "gradient_bytes": "bytes",
    "optimizer_bytes": "bytes",
    "train_bytes": "bytes",
    "train_peak_bytes": "bytes",
    "quant_bytes": "bytes",
    "inference_bytes": "bytes",
    "max_batch": "count",
    "train_flops": "flops",
    "train_flops_6nd": "flops",
    "flops_6nd_ratio": "ratio",
    "train_time": "days",
    "optimal_tokens": "tokens",
    "optimal_params": "parameters",
    "lora_params": "parameters",
    "lora_share": "percent",
    "receptive_field": "count",
}
"""What each quantity's answer is read as: its kind (bytes, FLOPs, days, a count, a ratio…)."""
LABELS = {
    "gradient_bytes": "Gradients",
    "optimizer_bytes": "Master copy and optimizer states",
    "train_bytes": "Static training memory",
    "train_peak_bytes": "Peak training memory",
    "quant_bytes": "Quantized checkpoint",
    "inference_bytes": "Inference memory",
    "max_batch": "Largest batch that fits",
    "train_flops": "Training FLOPs",
    "train_flops_6nd": "6·N·D",
    "flops_6nd_ratio": "6·N·D over the exact count",
    "train_time": "Training time",
    "optimal_tokens": "Compute-optimal tokens",
    "optimal_params": "Compute-optimal parameters",
    "lora_params": "LoRA parameters",
    "lora_share": "LoRA share of the base model",
    "receptive_field": "Receptive field",
}
KINDS = frozenset(UNIT_KINDS)
BYTE_KINDS = frozenset(k for k, unit in UNIT_KINDS.items() if unit == "bytes")
OPTIONS = frozenset({"batch", "zero", "devices", "tokens", "device", "mfu", "budget", "r", "targets", "group"})
PATTERN = r"(" + "|".join(sorted(KINDS - {"receptive_field"})) + r")(\([^()]*\))?|receptive_field\[\d+\]"
_CALL = re.compile(r"^([a-z_0-9]+)(?:\((.*)\))?$")
_FIELD = re.compile(r"^receptive_field\[(\d+)\]$")


@dataclass(frozen=True)
class Asked:
    """A parsed training quantity: its kind and its options as written (canonical order)."""

    kind: str
    options: tuple[tuple[str, str], ...] = ()
    layer: int | None = None

    def __str__(self) -> str:
        if self.kind == "receptive_field":
            return f"receptive_field[{self.layer}]"
        if not self.options:
            return self.kind
        inner = ", ".join(value if key == "" else f"{key}={value}" for key, value in self.options)
        return f"{self.kind}({inner})"

    def option(self, name: str) -> str | None:
        return next((v for k, v in self.options if k == name), None)

    @property
    def positional(self) -> list[str]:
        return [v for k, v in self.options if k == ""]


def is_training(text: str) -> bool:
    match = _CALL.match(text.strip())
    return bool(_FIELD.match(text.strip()) or (match and match.group(1) in KINDS))


def parse_asked(text: str) -> Asked:
    text = text.strip()
    field = _FIELD.match(text)
    if field:
        if int(field.group(1)) < 1:
            raise UsageError(f"{quoted(text)}: layers count from 1")
        return Asked("receptive_field", layer=int(field.group(1)))
    match = _CALL.match(text)
    if not match or match.group(1) not in KINDS:
        raise UsageError(f"unknown quantity {quoted(text)}")
    kind, inner = match.group(1), match.group(2) or ""
    options: list[tuple[str, str]] = []
    for piece in (p.strip() for p in inner.split(",")):
        if not piece:
            continue
        key, sep, value = (s.strip() for s in piece.partition("="))
        if not sep:
            key, value = "", piece
        elif key not in OPTIONS and key != "precision" and key != "optimizer":
            raise UsageError(f"{quoted(text)}: unknown option {quoted(key)} (known: {', '.join(sorted(OPTIONS))})")
        options.append((key, value))
    asked = Asked(kind, tuple(options))
    setup(asked)  # every option checked now, so that a template fails when it loads
    return asked


INFERENCE_DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


def setup(asked: Asked) -> t.Setup:
    """The training setup a quantity's options describe (``adamw``, ``bf16-mixed``, ``zero=2``…)."""
    if asked.kind == "inference_bytes":
        if len(asked.positional) != 1 or asked.positional[0] not in INFERENCE_DTYPES:
            raise UsageError(
                f"inference_bytes takes a dtype ({', '.join(INFERENCE_DTYPES)}) and batch=B,"
                " as in inference_bytes(float16, batch=8)"
            )
        if any(key not in ("", "batch") for key, _ in asked.options):
            raise UsageError("inference_bytes takes a dtype and batch=B only")
        return t.make_setup(batch=asked.option("batch") or 1)
    if asked.kind in ("quant_bytes", "receptive_field"):
        if asked.kind == "quant_bytes":
            quantization(asked)
        return t.Setup()
    optimizer, precision = asked.option("optimizer") or "adamw", asked.option("precision") or "fp32"
    for word in asked.positional:
        if word in t.OPTIMIZER_STATES:
            optimizer = word
        elif word in t.WIDTHS:
            precision = word
        else:
            raise UsageError(
                f"{asked.kind}: {quoted(word)} is neither an optimizer ({', '.join(t.OPTIMIZER_STATES)})"
                f" nor a precision ({', '.join(t.PRECISIONS)})"
            )
    r, targets = asked.option("r"), asked.option("targets")
    lora = None if r is None and targets is None else f"r={r or ''},targets={targets or ''}"
    if asked.kind in ("lora_params", "lora_share") and lora is None:
        raise UsageError(f"{asked.kind} needs r=… and targets=…, as in {asked.kind}(r=8, targets=q+v)")
    made = t.make_setup(
        optimizer,
        precision,
        asked.option("batch") or 1,
        asked.option("zero"),
        asked.option("devices"),
        lora,
        asked.option("tokens"),
        asked.option("device"),
        asked.option("mfu"),
        asked.option("budget"),
    )
    if asked.kind in ("train_flops_6nd", "flops_6nd_ratio") and made.tokens is None:
        raise UsageError(f"{asked.kind} needs tokens=D")
    if asked.kind == "train_time" and (made.tokens is None or made.device is None or made.mfu is None):
        raise UsageError("train_time needs tokens=…, device=… and mfu=…")
    if asked.kind == "max_batch" and made.device is None:
        raise UsageError("max_batch needs device=…")
    if asked.kind == "optimal_params" and made.budget is None:
        raise UsageError("optimal_params needs budget=C (FLOPs)")
    return made


def quantization(asked: Asked):
    formats = [w for w in asked.positional if w in BITS]
    if len(formats) != 1 or len(asked.positional) != 1:
        raise UsageError("quant_bytes takes int8 or int4, as in quant_bytes(int4, group=128)")
    text = formats[0] + (f",group={asked.option('group')}" if asked.option("group") else "")
    return parse_quantization(text)


def measure_asked(model: ModelCount, asked: Asked, slip: str | None = None) -> Figure:
    """The figure a quantity asks for (``slip``: as one §11 mistake would reach it)."""
    kind = asked.kind
    if kind == "receptive_field":
        assert asked.layer is not None
        found = receptive_field(model, asked.layer, slip)
        steps = [f for f in receptive_fields(model, slip)[: asked.layer] if f is not None and f.working]
        working = "; ".join(f"{f.working} = {f.value}" for f in steps[:-1])
        working = f"{working}; {found.working}" if working else found.working
        return Figure(
            kind,
            found.value,
            "input positions",
            working,
            "receptive field r_k = r_(k−1) + (kernel_k − 1)·dilation_k·j_(k−1), jump j_k = j_(k−1)·stride_k,"
            " from r_0 = j_0 = 1",
        )
    if kind == "quant_bytes":
        return quant_bytes(model, quantization(asked), slip)
    if kind == "inference_bytes":
        return _inference(model, asked, slip)
    s = setup(asked)
    if kind == "lora_params":
        assert s.lora is not None
        if slip == "frozen_base_trainable":
            adapters = lora_params(model, s.lora)
            value = model.total + int(adapters.value)
            return Figure(kind, value, "parameters", f"{number(model.total)} + {number(adapters.value)}")
        return lora_params(model, s.lora, r_in_out=slip == "lora_r_in_out")
    if kind == "lora_share":
        if slip == "lora_r_in_out":
            assert s.lora is not None
            wrong = int(lora_params(model, s.lora, r_in_out=True).value)
            return Figure(
                kind, round(100 * wrong / model.total, 4), "percent", f"100·{number(wrong)}/{number(model.total)}"
            )
        return t.lora_share(model, s)
    if kind == "train_time" and slip == "forgot_mfu":
        right = t.train_time(model, s)
        assert s.mfu is not None
        return Figure(kind, round(float(right.value) * s.mfu, 4), "days", "")
    functions: dict[str, Callable[..., Figure]] = {
        "gradient_bytes": t.gradient_bytes,
        "optimizer_bytes": t.optimizer_bytes,
        "train_bytes": t.train_bytes,
        "train_peak_bytes": t.train_peak_bytes,
        "max_batch": t.max_batch,
        "train_flops": t.train_flops,
        "train_flops_6nd": t.train_flops_6nd,
        "train_time": t.train_time,
    }
    if kind in functions:
        return functions[kind](model, s, slip)
    if kind == "flops_6nd_ratio" and slip is not None:
        estimate, mistaken_count = t.train_flops_6nd(model, s), t.train_flops(model, s, slip)
        working = f"{number(estimate.value)} / {number(mistaken_count.value)}"
        return Figure(kind, round(estimate.value / mistaken_count.value, 4), "ratio", working)
    if slip is not None:
        return _optimal_slip(model, s, kind, slip)
    return {
        "flops_6nd_ratio": t.flops_6nd_ratio,
        "optimal_tokens": t.optimal_tokens,
        "optimal_params": t.optimal_params,
    }[kind](model, s)


def _inference(model: ModelCount, asked: Asked, slip: str | None) -> Figure:
    """Weights + the KV cache of every sequence of the batch (§10: K and V of every layer and token)."""
    dtype = asked.positional[0]
    width, batch = INFERENCE_DTYPES[dtype], setup(asked).batch
    weights = width * model.total
    cache = width * kv_cache_elements(model).evaluate()
    if slip == "forgot_kv_cache":
        cache = 0
    if slip == "kv_cache_one_sequence":
        batch = 1
    return Figure(
        "inference_bytes",
        weights + batch * cache,
        "bytes",
        f"{width}·{number(model.total)} + {batch}·{number(cache)}" if cache else f"{width}·{number(model.total)}",
        f"weights in {dtype} + the KV cache of each of the {batch} sequence(s), at its context length",
    )


def _optimal_slip(model: ModelCount, s: t.Setup, kind: str, slip: str) -> Figure:
    if slip != "optimal_forgot_six" or s.budget is None:
        raise UsageError("no such mistake here")
    n = whole((s.budget / t.TOKENS_PER_PARAMETER) ** 0.5)
    value = n if kind == "optimal_params" else t.TOKENS_PER_PARAMETER * n
    return Figure(kind, value, "", f"√({number(s.budget)}/20)")


@dataclass(frozen=True)
class Mistake:
    name: str
    title: str
    why: str
    kinds: frozenset[str]
    when: Callable[[Asked], bool] = lambda asked: True


def _optimizer_is(*names: str) -> Callable[[Asked], bool]:
    return lambda asked: setup(asked).optimizer in names


def _has(name: str) -> Callable[[Asked], bool]:
    return lambda asked: asked.option(name) is not None


MEMORY_KINDS = frozenset({"train_bytes", "train_peak_bytes", "max_batch"})
FLOP_KINDS = frozenset({"train_flops", "train_flops_6nd", "train_time", "flops_6nd_ratio"})
MISTAKES = (
    Mistake(
        "adam_one_state",
        "Gave Adam one state instead of two",
        "Adam and AdamW keep two moments per parameter (the mean and the uncentred variance of its gradients)",
        MEMORY_KINDS | {"optimizer_bytes"},
        _optimizer_is("adam", "adamw"),
    ),
    Mistake(
        "forgot_optimizer_states",
        "Forgot the optimizer states",
        "the optimizer keeps its own values per trainable parameter (momentum, Adam's two moments)",
        MEMORY_KINDS,
        _optimizer_is("momentum", "adam", "adamw", "lion"),
    ),
    Mistake(
        "forgot_gradients",
        "Forgot the gradients",
        "backpropagation stores one gradient per trainable parameter until the optimizer step",
        MEMORY_KINDS,
    ),
    Mistake(
        "no_master_copy",
        "Left out the fp32 master copy",
        "mixed precision keeps an fp32 copy of the weights for the update, 4 bytes a trainable parameter",
        MEMORY_KINDS | {"optimizer_bytes"},
        lambda asked: setup(asked).widths.master > 0,
    ),
    Mistake(
        "frozen_base_trainable",
        "Counted the frozen base model as trainable",
        "with LoRA only the adapters learn: the base weights get no gradients, master copies or states",
        MEMORY_KINDS | {"gradient_bytes", "optimizer_bytes", "lora_params"},
        _has("r"),
    ),
    Mistake(
        "zero_shards_everything",
        "Split everything over the devices",
        "ZeRO stage 1 shards the optimizer states (and master copy), stage 2 the gradients too,"
        " only stage 3 the weights",
        MEMORY_KINDS | {"gradient_bytes", "optimizer_bytes"},
        lambda asked: 0 < setup(asked).zero < 3,
    ),
    Mistake(
        "zero_not_sharded",
        "Forgot to divide by the devices",
        "ZeRO keeps only 1/N_d of the sharded parts on each device",
        MEMORY_KINDS | {"gradient_bytes", "optimizer_bytes"},
        lambda asked: setup(asked).zero > 0,
    ),
    Mistake(
        "zero_stages_confused",
        "Took one ZeRO stage for another",
        "stage 1 shards the optimizer states and master copy, stage 2 adds the gradients, stage 3 the weights",
        MEMORY_KINDS | {"gradient_bytes", "weight_bytes"},
        lambda asked: setup(asked).zero > 0,
    ),
    Mistake(
        "forward_only_flops",
        "Counted the forward pass only",
        "training runs a backward pass too, twice the forward's work (gradients for inputs and for weights):"
        " 3 × forward",
        FLOP_KINDS,
    ),
    Mistake(
        "backward_equals_forward",
        "Took the backward pass as costly as the forward",
        "the backward pass computes gradients for the inputs and for the weights: 2 × forward, so 3 × in all",
        FLOP_KINDS,
    ),
    Mistake(
        "forgot_mfu",
        "Assumed the devices run at their peak",
        "a run reaches only its model FLOPs utilisation (MFU) of the peak: divide by it",
        frozenset({"train_time"}),
    ),
    Mistake(
        "lora_r_in_out",
        "Counted a LoRA adapter as r·in·out",
        "LoRA factors the update into A (r × in) and B (out × r): r·(in + out) parameters",
        frozenset({"lora_params", "lora_share"}),
    ),
    Mistake(
        "optimal_forgot_six",
        "Left the 6 out of C = 6·N·D",
        "a training run costs 6 FLOPs a parameter a token, so C = 6·N·20·N = 120·N²",
        frozenset({"optimal_params", "optimal_tokens"}),
        _has("budget"),
    ),
    Mistake(
        "forgot_scales",
        "Forgot the quantization scales",
        "each group of weights stores a 2-byte scale beside its codes",
        frozenset({"quant_bytes"}),
        _has("group"),
    ),
    Mistake(
        "forgot_kv_cache",
        "Counted only the weights",
        "generation keeps every layer's keys and values for every token of the context: the KV cache",
        frozenset({"inference_bytes"}),
    ),
    Mistake(
        "kv_cache_one_sequence",
        "Cached one sequence instead of the batch",
        "each sequence of the batch has a KV cache of its own",
        frozenset({"inference_bytes"}),
        lambda asked: setup(asked).batch > 1,
    ),
    Mistake(
        "kernels_summed",
        "Summed the kernel sizes",
        "each layer adds (kernel − 1)·dilation times the jump so far, and the jump grows with every stride",
        frozenset({"receptive_field"}),
    ),
    Mistake(
        "strides_ignored",
        "Did not accumulate the strides",
        "after a stride s, one step of the next layer covers s input positions: the jump multiplies by s",
        frozenset({"receptive_field"}),
    ),
)
"""The §11 mistakes: each reproduced by running the computation with its slip."""


def mistaken(name: str, model: ModelCount, text: str, right: int | float) -> tuple[int | float, str] | None:
    """The number mistake ``name`` gives for a training quantity, and how it comes about."""
    try:
        asked = parse_asked(text)
        mistake = next(m for m in MISTAKES if m.name == name)
        if asked.kind not in mistake.kinds or not mistake.when(asked):
            return None
        wrong = measure_asked(model, asked, name)
    except (QuizgenError, StopIteration, ZeroDivisionError):
        return None
    value = wrong.value
    if value == right:
        return None
    return value, wrong.text() if wrong.working else number(value)


def gib_for_gb(model: ModelCount, text: str, right: int | float) -> tuple[int, str] | None:
    """A size worked out in GiB and written as GB (what a student who divides by 2³⁰ types)."""
    if not is_training(text) or parse_asked(text).kind not in BYTE_KINDS or right < 10**6:
        return None
    wrong = whole(right * 10**9 / 2**30)
    return wrong, f"{number(right)} bytes = {right / 2**30:.4g} GiB, written as {right / 2**30:.4g} GB"
