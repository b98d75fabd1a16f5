"""What it takes to train a counted model (design.md §11): bytes of weights, gradients, master
copies and optimizer states per device (with ZeRO sharding), peak memory with a batch of
activations, FLOPs of a step and of a run, the days a run takes on a number of devices, the
compute-optimal model and data sizes, and LoRA's trainable parameters. Pure functions of a
``ModelCount`` and a ``Setup``; every result is a ``Figure`` with its working."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from quizgen.counting.devices import PRECISION_PEAK, Device, find_device, tflops
from quizgen.counting.figure import Figure, number, quoted, whole
from quizgen.counting.lora import Lora, copies, lora_params, parse_lora
from quizgen.counting.model import ModelCount
from quizgen.errors import UsageError

OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2, "lion": 1}
"""Values an optimizer keeps per trainable parameter: momentum its velocity, Adam and AdamW the
first and second moments, Lion one moment; plain SGD none."""
PRECISIONS = ("fp32", "bf16-mixed", "fp16-mixed", "bf16")
SECONDS_A_DAY = 86_400
TOKENS_PER_PARAMETER = 20
"""Chinchilla's compute-optimal ratio (Hoffmann et al. 2022): about 20 training tokens a parameter."""


@dataclass(frozen=True)
class Widths:
    """Bytes a value under a training precision."""

    weight: int
    gradient: int
    master: int
    state: int

    @property
    def activation(self) -> int:
        return self.weight


WIDTHS = {
    "fp32": Widths(4, 4, 0, 4),
    "bf16-mixed": Widths(2, 2, 4, 4),
    "fp16-mixed": Widths(2, 2, 4, 4),
    "bf16": Widths(2, 2, 0, 2),
}
CONVENTIONS = {
    "fp32": "fp32: weights, gradients and optimizer states 4 bytes each",
    "bf16-mixed": "bf16 mixed precision: weights 2 bytes, gradients 2, an fp32 master copy 4, each state 4",
    "fp16-mixed": "fp16 mixed precision: weights 2 bytes, gradients 2, an fp32 master copy 4, each state 4",
    "bf16": "pure bf16: weights, gradients and optimizer states 2 bytes each, no master copy",
}


@dataclass(frozen=True)
class Setup:
    """A training run as the CLI's options and a question's quantity give it."""

    optimizer: str = "adamw"
    precision: str = "fp32"
    batch: int = 1
    zero: int = 0
    devices: int = 1
    lora: Lora | None = None
    tokens: float | None = None
    device: str | None = None
    mfu: float | None = None
    budget: float | None = None

    @property
    def widths(self) -> Widths:
        return WIDTHS[self.precision]

    @property
    def states(self) -> int:
        return OPTIMIZER_STATES[self.optimizer]

    @property
    def accelerator(self) -> Device | None:
        return None if self.device is None else find_device(self.device)


def _positive_int(option: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{option} takes a whole number, not {quoted(text)}") from None
    if value < 1:
        raise UsageError(f"{option} takes a positive whole number, not {value}")
    return value


def positive_number(option: str, text: str) -> float:
    """A positive, finite number as typed (``3e11``, ``0.4``)."""
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{option} takes a number such as 3e11, not {quoted(text)}") from None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{option} takes a positive number, not {quoted(text)}")
    return value


def make_setup(
    optimizer: str = "adamw",
    precision: str = "fp32",
    batch: str | int = 1,
    zero: str | int | None = None,
    devices: str | int | None = None,
    lora: str | None = None,
    tokens: str | float | None = None,
    device: str | None = None,
    mfu: str | float | None = None,
    budget: str | float | None = None,
) -> Setup:
    """A checked ``Setup`` from option values as typed; a bad one is a one-line ``UsageError``."""
    if optimizer not in OPTIMIZER_STATES:
        raise UsageError(f"--train takes {', '.join(OPTIMIZER_STATES)}, not {quoted(optimizer)}")
    if precision not in WIDTHS:
        raise UsageError(f"--precision takes {', '.join(PRECISIONS)}, not {quoted(precision)}")
    stage = 0 if zero is None else _positive_int("--zero", str(zero))
    if stage not in (0, 1, 2, 3):
        raise UsageError(f"--zero takes 1, 2 or 3, not {stage}")
    count = 1 if devices is None else _positive_int("--devices", str(devices))
    if stage and devices is None:
        raise UsageError("--zero shards over data-parallel devices: give --devices N")
    share = None if mfu is None else positive_number("--mfu", str(mfu))
    if share is not None and share > 1:
        raise UsageError(f"--mfu is the share of peak FLOP/s reached, at most 1, not {mfu}")
    if device is not None:
        find_device(device)
        if tokens is not None and share is None:
            raise UsageError("--device with --tokens needs --mfu (the share of peak FLOP/s reached, e.g. 0.4)")
    return Setup(
        optimizer,
        precision,
        _positive_int("--batch", str(batch)),
        stage,
        count,
        None if lora is None else parse_lora(lora),
        None if tokens is None else positive_number("--tokens", str(tokens)),
        device,
        share,
        None if budget is None else positive_number("budget", str(budget)),
    )


# ---------------------------------------------------------------------------------------- memory


@dataclass(frozen=True)
class Counts:
    """Parameters as training sees them: those that learn and those that only sit in memory."""

    trainable: int
    frozen: int
    adapters: Figure | None = None


def counts(model: ModelCount, setup: Setup, base_trainable: bool = False) -> Counts:
    """With LoRA the whole base model is frozen and only the adapters learn (``base_trainable``:
    the mistake of training the base too)."""
    if setup.lora is not None:
        adapters = lora_params(model, setup.lora)
        assert isinstance(adapters.value, int)
        if base_trainable:
            return Counts(model.total + adapters.value, 0, adapters)
        return Counts(adapters.value, model.total, adapters)
    return Counts(model.trainable, model.total - model.trainable)


SLIPS = frozenset(
    {
        "adam_one_state",
        "forgot_optimizer_states",
        "forgot_gradients",
        "no_master_copy",
        "frozen_base_trainable",
        "zero_shards_everything",
        "zero_not_sharded",
        "zero_stages_confused",
        "forward_only_flops",
        "backward_equals_forward",
    }
)
"""The §11 mistakes, as switches of the functions below (a question's distractors and diagnoses)."""


def _shard(setup: Setup, stage: int, slip: str | None) -> int:
    """How many devices a part is split over: all of them from ZeRO stage ``stage`` on."""
    if setup.zero == 0 or slip == "zero_not_sharded":
        return 1
    if slip == "zero_shards_everything":
        return setup.devices
    taken = {1: 2, 2: 1, 3: 2}[setup.zero] if slip == "zero_stages_confused" else setup.zero
    return setup.devices if taken >= stage else 1


def _per(value: int, devices: int) -> str:
    return f"{number(value)}/{devices}" if devices > 1 else number(value)


def weight_bytes(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    c = counts(model, setup, slip == "frozen_base_trainable")
    w, n = setup.widths.weight, _shard(setup, 3, slip)
    params = c.trainable + c.frozen
    return Figure(
        "weight_bytes",
        whole(w * params / n),
        "bytes",
        f"{w}·{_per(params, n)}",
        f"{setup.precision} weights, {w} bytes a parameter" + (f", ZeRO-3 over {n} devices" if n > 1 else ""),
    )


def gradient_bytes(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    c = counts(model, setup, slip == "frozen_base_trainable")
    g, n = setup.widths.gradient, _shard(setup, 2, slip)
    value = 0 if slip == "forgot_gradients" else whole(g * c.trainable / n)
    return Figure(
        "gradient_bytes",
        value,
        "bytes",
        f"{g}·{_per(c.trainable, n)}",
        f"one {g}-byte gradient per trainable parameter" + (f", sharded over {n} devices" if n > 1 else ""),
    )


def optimizer_factor(setup: Setup, slip: str | None = None) -> tuple[int, str]:
    """Bytes per trainable parameter of the fp32 master copy and the optimizer states (the ZeRO
    paper's K: 12 for mixed-precision Adam) and how they add up."""
    width = setup.widths
    states = 1 if slip == "adam_one_state" and setup.states == 2 else setup.states
    if slip == "forgot_optimizer_states":
        states = 0
    master = 0 if slip == "no_master_copy" else width.master
    pieces = [f"{master}"] if master else []
    if states:
        pieces.append(f"{states}·{width.state}" if states > 1 else f"{width.state}")
    return master + states * width.state, " + ".join(pieces) or "0"


def optimizer_bytes(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    """The fp32 master copy (under mixed precision) and the optimizer states: ZeRO stage 1 shards both."""
    c = counts(model, setup, slip == "frozen_base_trainable")
    k, how = optimizer_factor(setup, slip)
    n = _shard(setup, 1, slip)
    factor = f"({how})" if "+" in how or "·" in how else how
    return Figure(
        "optimizer_bytes",
        whole(k * c.trainable / n),
        "bytes",
        f"{factor}·{_per(c.trainable, n)}",
        f"{setup.optimizer} keeps {setup.states} state(s) a trainable parameter"
        + (", plus an fp32 master copy" if setup.widths.master else "")
        + (f", sharded over {n} devices" if n > 1 else ""),
    )


def train_bytes(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    """Static training memory per device: weights + gradients + master copy + optimizer states."""
    parts = [weight_bytes(model, setup, slip), gradient_bytes(model, setup, slip), optimizer_bytes(model, setup, slip)]
    c = counts(model, setup, slip == "frozen_base_trainable")
    widths = setup.widths
    if setup.zero == 0 and slip not in ("zero_shards_everything",):
        k, how = optimizer_factor(setup, slip)
        g = 0 if slip == "forgot_gradients" else widths.gradient
        per = widths.weight + g + k
        pieces = " + ".join(x for x in (str(widths.weight), str(g) if g else "", how if k else "") if x)
        working = f"({pieces})·{number(c.trainable)}"
        if c.frozen:
            working += f" + {widths.weight}·{number(c.frozen)}"
        value = per * c.trainable + widths.weight * c.frozen
        working = f"{working} = {per}·{number(c.trainable)}" if not c.frozen and "+" in pieces else working
    else:
        working = " + ".join(p.working for p in parts)
        value = sum(int(p.value) for p in parts)
    stage = f", ZeRO stage {setup.zero} over {setup.devices} devices (per device)" if setup.zero else ""
    return Figure(
        "train_bytes",
        value,
        "bytes",
        working,
        f"static memory = weights + gradients + master copy + optimizer states; {CONVENTIONS[setup.precision]}" + stage,
    )


def activation_bytes(model: ModelCount, setup: Setup) -> Figure:
    """The outputs of every layer for one sample, at the precision's activation width (§10)."""
    layers = [layer for layer in model.layers if layer.type != "Input"]
    if any(layer.output_size is None for layer in layers):
        raise UsageError("activation memory needs every size: give the sequence length in Input(steps, features)")
    values = sum((layer.output_size or 0) * copies(layer) for layer in layers)
    a = setup.widths.activation
    return Figure(
        "activation_bytes",
        a * values,
        "bytes",
        f"{a}·{number(values)}",
        "every layer's output for one sample, at the weights' width (a block repeated n times: n outputs)",
    )


def train_peak_bytes(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    static = train_bytes(model, setup, slip)
    acts = activation_bytes(model, setup)
    b = setup.batch
    return Figure(
        "train_peak_bytes",
        int(static.value) + b * int(acts.value),
        "bytes",
        f"{number(static.value)} + {b}·{number(acts.value)}",
        "peak = static memory + the activations of the batch (every layer's output, per sample, × batch)",
    )


def max_batch(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    """The largest batch whose peak memory fits the device's memory."""
    device = setup.accelerator
    if device is None:
        raise UsageError("the largest batch needs a device: give --device NAME")
    static = int(train_bytes(model, setup, slip).value)
    per = int(activation_bytes(model, setup).value)
    free = device.memory_bytes - static
    if free < per:
        raise UsageError(
            f"not even one sample fits {device.name}: static memory {number(static)} bytes"
            f" of {number(device.memory_bytes)}"
        )
    return Figure(
        "max_batch",
        free // per,
        "samples",
        f"⌊({number(device.memory_bytes)} − {number(static)}) / {number(per)}⌋",
        f"{device.title}: {device.memory_text}; peak = static + batch × activations of one sample",
    )


# ---------------------------------------------------------------------------------------- compute


def tokens_per_sample(model: ModelCount) -> int:
    """Tokens in one sample: the sequence length of a model that reads sequences, else 1."""
    first = model.layers[0]
    shape = first.output_shape
    reads_tokens = len(model.layers) > 1 and model.layers[1].type == "Embedding"
    if first.type == "Input" and (len(shape) == 2 or (len(shape) == 1 and reads_tokens)) and shape[0] is not None:
        return shape[0]
    return 1


def _macs(model: ModelCount) -> int:
    macs = model.macs
    if macs is None:
        raise UsageError("training FLOPs need the forward MACs: give the sequence length, as in Input(2048, 4096)")
    return macs


def _pass_factor(slip: str | None) -> tuple[int, str]:
    if slip == "forward_only_flops":
        return 1, "1"
    if slip == "backward_equals_forward":
        return 2, "2"
    return 3, "3"


def train_flops(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    """A step of ``batch`` samples, or a run of ``tokens`` tokens: 3 × the forward FLOPs (2 per MAC)."""
    macs = _macs(model)
    k, factor = _pass_factor(slip)
    if setup.tokens is None:
        b = setup.batch
        return Figure(
            "train_flops",
            k * 2 * macs * b,
            "FLOPs",
            f"{factor} · 2·{number(macs)} · {b}",
            "a training step: forward + backward (2 × forward) = 3 × 2·MACs a sample, × batch",
        )
    t = tokens_per_sample(model)
    d = setup.tokens
    per = f"({number(d)}/{t})" if t > 1 else number(d)
    return Figure(
        "train_flops",
        whole(k * 2 * macs * d / t),
        "FLOPs",
        f"{factor} · 2·{number(macs)} · {per}",
        "a run: 3 × 2·MACs of one sample × samples (tokens / tokens a sample)",
    )


def train_flops_6nd(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    if setup.tokens is None:
        raise UsageError("6·N·D needs the tokens D: give --tokens")
    n = model.total
    k = 6 if slip is None else 2 * _pass_factor(slip)[0]
    return Figure(
        "train_flops_6nd",
        whole(k * n * setup.tokens),
        "FLOPs",
        f"{k}·{number(n)}·{number(setup.tokens)}",
        "the approximation 6·N·D: N parameters (all of them), D tokens",
    )


def flops_6nd_ratio(model: ModelCount, setup: Setup) -> Figure:
    approx, exact = train_flops_6nd(model, setup), train_flops(model, setup)
    return Figure(
        "flops_6nd_ratio",
        round(approx.value / exact.value, 4),
        "ratio",
        f"{number(approx.value)} / {number(exact.value)}",
        "6·N·D over the exact count (3 × 2·MACs × samples)",
    )


def train_time(model: ModelCount, setup: Setup, slip: str | None = None) -> Figure:
    """Days: FLOPs / (devices × peak dense FLOP/s × MFU) / 86,400."""
    device = setup.accelerator
    if device is None or setup.mfu is None or setup.tokens is None:
        raise UsageError("training time needs --tokens, --device and --mfu")
    try:
        flops = train_flops(model, setup, slip)
    except UsageError:
        flops = train_flops_6nd(model, setup, slip)
    peak = device.peak_for(setup.precision)
    seconds = flops.value / (setup.devices * peak * setup.mfu)
    return Figure(
        "train_time",
        round(seconds / SECONDS_A_DAY, 4),
        "days",
        f"{number(flops.value)} / ({setup.devices} · {tflops(peak)}e12 · {setup.mfu:g}) / {SECONDS_A_DAY:,}",
        f"{device.title}: {tflops(peak)} TFLOP/s dense {PRECISION_PEAK[setup.precision]} peak ({device.source});"
        f" {'exact' if flops.name == 'train_flops' else '6·N·D'} FLOPs",
    )


def optimal_tokens(model: ModelCount, setup: Setup) -> Figure:
    """Compute-optimal tokens: 20 a parameter, for this model or for the model a budget buys."""
    if setup.budget is not None:
        n = optimal_params(model, setup)
        return Figure(
            "optimal_tokens",
            TOKENS_PER_PARAMETER * int(n.value),
            "tokens",
            f"{TOKENS_PER_PARAMETER}·{number(n.value)}",
            "Chinchilla: D ≈ 20·N, N = √(C/120)",
        )
    n_params = model.total
    return Figure(
        "optimal_tokens",
        TOKENS_PER_PARAMETER * n_params,
        "tokens",
        f"{TOKENS_PER_PARAMETER}·{number(n_params)}",
        "Chinchilla: about 20 training tokens a parameter",
    )


def optimal_params(model: ModelCount, setup: Setup) -> Figure:
    if setup.budget is None:
        raise UsageError("the compute-optimal size needs a budget of FLOPs: budget=C")
    return Figure(
        "optimal_params",
        whole(math.sqrt(setup.budget / (6 * TOKENS_PER_PARAMETER))),
        "parameters",
        f"√({number(setup.budget)}/120)",
        "Chinchilla: C = 6·N·D with D = 20·N, so N = √(C/120)",
    )


def lora_share(model: ModelCount, setup: Setup) -> Figure:
    """Adapters as a percentage of the base model's parameters."""
    c = counts(model, setup)
    assert c.adapters is not None
    return Figure(
        "lora_share",
        round(100 * c.trainable / model.total, 4),
        "percent",
        f"100·{number(c.trainable)}/{number(model.total)}",
        "trainable adapters as a share of the base model's parameters (%)",
    )


def report(model: ModelCount, setup: Setup) -> list[Figure]:
    """Every figure the setup makes available, in the order the CLI shows them."""
    figures: list[Figure] = []
    if setup.lora is not None:
        c = counts(model, setup)
        assert c.adapters is not None
        figures += [c.adapters, lora_share(model, setup)]
    figures += [
        weight_bytes(model, setup),
        gradient_bytes(model, setup),
        optimizer_bytes(model, setup),
        train_bytes(model, setup),
    ]
    try:
        figures.append(activation_bytes(model, setup))
        figures.append(train_peak_bytes(model, setup))
    except UsageError as error:
        figures.append(Figure("activation_bytes", 0, "bytes", "", f"not shown: {error}"))
    if setup.device is not None:
        try:
            figures.append(max_batch(model, setup))
        except UsageError as error:
            figures.append(Figure("max_batch", 0, "samples", "", f"none: {error}"))
    step = replace(setup, tokens=None)
    exact: Figure | None = None
    try:
        figures.append(train_flops(model, step))
        if setup.tokens is not None:
            exact = train_flops(model, setup)
            figures.append(exact)
    except UsageError as error:
        figures.append(Figure("train_flops", 0, "FLOPs", "", f"not shown: {error}"))
    if setup.tokens is not None:
        figures.append(train_flops_6nd(model, setup))
        if exact is not None:
            figures.append(flops_6nd_ratio(model, setup))
        if setup.device is not None and setup.mfu is not None:
            figures.append(train_time(model, setup))
    figures.append(optimal_tokens(model, setup))
    return [f for f in figures if f.working or f.convention]
