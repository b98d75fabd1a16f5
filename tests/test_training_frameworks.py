"""Training arithmetic (design.md §11) against PyTorch 2.13 and peft: optimizer state and gradient
bytes after one step, FLOPs of forward and backward under FlopCounterMode, receptive fields as the
support of one output's gradient, LoRA's trainable parameters as get_peft_model counts them."""

from __future__ import annotations

import json
import random

import pytest
from archgen import architectures
from tests_support import require

from quizgen import count
from quizgen.counting.lora import lora_params, parse_lora
from quizgen.counting.receptive_field import receptive_fields
from quizgen.counting.spec import Call, parse
from quizgen.counting.training import gradient_bytes, make_setup, optimizer_bytes, train_flops
from quizgen.readers.hf_config import read_hf_config

pytestmark = pytest.mark.frameworks

SPECS, _ = architectures("pytorch", 60, 2513)
OPTIMIZERS = {
    "momentum": lambda torch, ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, foreach=False),
    "adam": lambda torch, ps: torch.optim.Adam(ps, foreach=False),
    "adamw": lambda torch, ps: torch.optim.AdamW(ps, foreach=False),
    "sgd": lambda torch, ps: torch.optim.SGD(ps, lr=0.1, foreach=False),
}


def _state_bytes(optimizer) -> int:
    """Bytes of the per-parameter state tensors (Adam's step counter, one scalar a tensor, aside)."""
    return sum(
        value.numel() * value.element_size()
        for state in optimizer.state.values()
        for key, value in state.items()
        if key != "step"
    )


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_states_and_gradients_after_one_step(spec, name):
    require("torch")
    import torch

    from quizgen.bank.crosscheck import torch_parameters

    params = torch_parameters(spec)
    trainable = [p for p in params if p.requires_grad]
    for p in trainable:
        p.grad = torch.ones_like(p)
    optimizer = OPTIMIZERS[name](torch, trainable)
    optimizer.step()
    model = count(spec, "pytorch")
    setup = make_setup(name, "fp32")
    assert _state_bytes(optimizer) == optimizer_bytes(model, setup).value, spec
    grads = sum(p.grad.numel() * p.grad.element_size() for p in trainable)
    assert grads == gradient_bytes(model, setup).value, spec


def test_the_specs_cover_every_layer_kind():
    kinds = {call.name for spec in SPECS for call in parse(spec)}
    assert {"Dense", "Conv1D", "Conv2D", "LSTM", "GRU", "MultiHeadAttention", "Embedding"} <= kinds


# ------------------------------------------------------------------ FLOPs of forward and backward


def _flop_spec(rng: random.Random) -> str:
    family = rng.choice(["dense", "conv1d", "conv2d", "recurrent", "embedding", "attention"])
    if family == "dense":
        return f"Input({rng.randint(2, 30)}) -> Dense({rng.randint(1, 20)}) -> Dense({rng.randint(1, 5)})"
    if family == "conv1d":
        k, s, d = rng.randint(1, 4), rng.randint(1, 3), rng.randint(1, 2)
        return (
            f"Input({rng.randint(24, 40)}, {rng.randint(1, 6)}) -> Conv1D({rng.randint(1, 8)}, {k}, {s}, dilation={d})"
            f" -> MaxPooling1D(2) -> Flatten() -> Dense(3)"
        )
    if family == "conv2d":
        k, s = rng.choice([1, 3]), rng.choice([1, 2])
        size = f"{rng.randint(12, 20)}, {rng.randint(12, 20)}, {rng.randint(1, 3)}"
        return (
            f"Input({size}) -> Conv2D({rng.randint(1, 8)}, {k}, {s})"
            f" -> AveragePooling2D(2) -> Flatten() -> Dense({rng.randint(1, 6)})"
        )
    if family == "recurrent":
        kind = rng.choice(["SimpleRNN", "LSTM", "GRU"])
        return f"Input({rng.randint(2, 7)}, {rng.randint(1, 8)}) -> {kind}({rng.randint(2, 9)}) -> Dense(2)"
    if family == "embedding":
        embedding = f"Embedding({rng.randint(10, 50)}, {rng.randint(2, 8)})"
        return f"Input({rng.randint(3, 8)}) -> {embedding} -> LSTM(4) -> Dense(2)"
    heads = rng.randint(1, 4)
    return f"Input({rng.randint(2, 10)}, {heads * rng.randint(1, 5)}) -> MultiHeadAttention({heads}) -> Dense(3)"


FLOP_SPECS = [_flop_spec(random.Random(k)) for k in range(60)]


def _value(call: Call, name: str, position: int, default):
    if name in call.kwargs:
        return call.kwargs[name].value
    return call.args[position].value if len(call.args) > position else default


def _forward(spec: str, torch, parameters: list):
    """The spec's forward pass on one sample from parameters that require grad; recurrent layers and
    attention written out with F.linear and matmul so that FlopCounterMode sees every product."""
    import torch.nn.functional as F

    def param(*shape: int):
        p = torch.randn(*shape, requires_grad=True)
        parameters.append(p)
        return p

    calls = parse(spec)
    dims = [a.value for a in calls[0].args]
    tokens = calls[1].name == "Embedding"
    x = torch.randint(0, 5, (1, *dims)) if tokens else torch.randn(1, *dims, requires_grad=True)
    for call in calls[1:]:
        name = call.name
        if name == "Dense":
            units = call.args[0].value
            x = F.linear(x, param(units, x.shape[-1]), param(units))
        elif name == "Embedding":
            x = F.embedding(x, param(call.args[0].value, call.args[1].value))
        elif name in ("Conv1D", "Conv2D"):
            filters, k = call.args[0].value, call.args[1].value
            stride, dilation = _value(call, "stride", 2, 1), _value(call, "dilation", 3, 1)
            conv = F.conv1d if name == "Conv1D" else F.conv2d
            kernel = (k,) if name == "Conv1D" else (k, k)
            w = param(filters, x.shape[-1], *kernel)
            x = conv(x.movedim(-1, 1), w, param(filters), stride=stride, dilation=dilation).movedim(1, -1)
        elif name == "MaxPooling1D":
            x = F.max_pool1d(x.movedim(-1, 1), 2).movedim(1, -1)
        elif name == "AveragePooling2D":
            x = F.avg_pool2d(x.movedim(-1, 1), 2).movedim(1, -1)
        elif name == "Flatten":
            x = x.reshape(1, -1)
        elif name in ("SimpleRNN", "LSTM", "GRU"):
            gates, units = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[name], call.args[0].value
            w_ih, w_hh = param(gates * units, x.shape[-1]), param(gates * units, units)
            b_ih, b_hh = param(gates * units), param(gates * units)
            h = torch.zeros(1, units, requires_grad=True)
            for step in range(x.shape[1]):
                mixed = F.linear(x[:, step], w_ih, b_ih) + F.linear(h, w_hh, b_hh)
                h = torch.tanh(mixed[:, :units])
            x = h
        elif name == "MultiHeadAttention":
            heads, (steps, width) = call.args[0].value, x.shape[1:]
            q, k, v = F.linear(x, param(3 * width, width), param(3 * width)).chunk(3, dim=-1)
            split = [u.reshape(1, steps, heads, width // heads).transpose(1, 2) for u in (q, k, v)]
            scores = torch.matmul(split[0], split[1].transpose(-2, -1)).softmax(dim=-1)
            mixed = torch.matmul(scores, split[2]).transpose(1, 2).reshape(1, steps, width)
            x = F.linear(mixed, param(width, width), param(width))
        else:
            raise AssertionError(name)
    return x


@pytest.mark.parametrize("spec", FLOP_SPECS)
def test_a_training_step_is_three_forward_passes(spec):
    require("torch")
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    parameters: list = []
    with FlopCounterMode(display=False) as forward_only:
        out = _forward(spec, torch, parameters)
    with FlopCounterMode(display=False) as both:
        out = _forward(spec, torch, [])
        out.sum().backward()
    model = count(spec, "pytorch")
    assert sum(p.numel() for p in parameters) == model.total, spec
    step = train_flops(model, make_setup("adamw", batch=1)).value
    assert both.get_total_flops() == step == 3 * forward_only.get_total_flops(), spec
    assert train_flops(model, make_setup("adamw", batch=5)).value == 5 * step


# ------------------------------------------------------------------------------ receptive fields


def _stack(rng: random.Random) -> str:
    rank = rng.choice([1, 2])
    conv, pool = ("Conv1D", "AveragePooling1D") if rank == 1 else ("Conv2D", "AveragePooling2D")
    layers = ["Input(96, 1)" if rank == 1 else "Input(64, 64, 1)"]
    for _ in range(rng.randint(2, 4)):
        if rng.random() < 0.3:
            layers.append(f"{rng.choice([pool, 'Max' + pool[7:]])}({rng.randint(2, 3)})")
        else:
            k, s, d = rng.randint(1, 4), rng.randint(1, 2), rng.randint(1, 2)
            layers.append(f"{conv}(1, {k}, {s}, dilation={d})" if s == 1 else f"{conv}(1, {k}, {s})")
    return " -> ".join(layers)


FIELD_SPECS = [_stack(random.Random(k)) for k in range(80)]


def _support(spec: str, torch, upto: int) -> list[int]:
    """Extent of the input positions one (central) output of layer ``upto`` depends on, per axis:
    every weight 1 (no cancellation) and each max pooling taken as an average over its window."""
    import torch.nn.functional as F

    calls = parse(spec)
    dims = [a.value for a in calls[0].args]
    rank = len(dims) - 1
    x = torch.ones(1, 1, *dims[:-1], requires_grad=True)
    t = x
    for call in calls[1:upto]:
        if "Conv" in call.name:
            k = call.args[1].value
            stride, dilation = _value(call, "stride", 2, 1), _value(call, "dilation", 3, 1)
            w = torch.ones(1, 1, *([k] * rank))
            t = (F.conv1d if rank == 1 else F.conv2d)(t, w, stride=stride, dilation=dilation)
        else:
            p = call.args[0].value
            t = (F.avg_pool1d if rank == 1 else F.avg_pool2d)(t, p)
    centre = tuple(n // 2 for n in t.shape[2:])
    t[(0, 0, *centre)].backward()
    nonzero = (x.grad[0, 0] != 0).nonzero()
    return [int(nonzero[:, a].max() - nonzero[:, a].min() + 1) for a in range(rank)]


@pytest.mark.parametrize("spec", FIELD_SPECS)
def test_receptive_fields_are_the_support_of_a_gradient(spec):
    require("torch")
    import torch

    model = count(spec)
    fields = receptive_fields(model)
    for k in range(2, len(model.layers) + 1):
        if any(d is not None and d < 1 for d in model.layer(k).output_shape):
            break
        field = fields[k - 1]
        assert field is not None
        assert list(field.size) == _support(spec, torch, k), (spec, k)


# ------------------------------------------------------------------------------------------ LoRA

TINY_LLAMA = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 64,
    "intermediate_size": 176,
    "num_hidden_layers": 3,
    "num_attention_heads": 8,
    "num_key_value_heads": 2,
    "vocab_size": 300,
    "tie_word_embeddings": False,
}
TINY_GPT2 = {
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "n_embd": 48,
    "n_layer": 2,
    "n_head": 4,
    "vocab_size": 200,
    "n_positions": 64,
}
TINY_BERT = {
    "model_type": "bert",
    "architectures": ["BertModel"],
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 80,
    "vocab_size": 120,
    "max_position_embeddings": 64,
}
CASES = [
    (TINY_LLAMA, ["q_proj", "v_proj"], "q,v"),
    (TINY_LLAMA, ["q_proj", "k_proj", "v_proj", "o_proj"], "q,k,v,o"),
    (TINY_LLAMA, ["gate_proj", "up_proj", "down_proj"], "gate,up,down"),
    (TINY_LLAMA, "all-linear", "all-linear"),
    (TINY_GPT2, ["c_attn"], "c_attn"),
    (TINY_GPT2, ["c_attn", "c_proj", "c_fc"], "c_attn,c_proj,c_fc"),
    (TINY_BERT, ["query", "value"], "query,value"),
    (TINY_BERT, ["query", "key", "value"], "q,k,v"),
    (TINY_BERT, ["dense"], "dense"),
    (TINY_BERT, "all-linear", "all-linear"),
    (TINY_GPT2, "all-linear", "all-linear"),
]


@pytest.mark.parametrize("config, peft_targets, ours", CASES)
@pytest.mark.parametrize("rank", [1, 4, 8, 16])
def test_lora_parameters_agree_with_peft(config, peft_targets, ours, rank):
    require("torch")
    require("transformers")
    require("peft")
    import warnings

    import transformers
    from peft import LoraConfig, get_peft_model

    hf_config = transformers.AutoConfig.for_model(**{k: v for k, v in config.items() if k != "architectures"})
    cls = getattr(transformers, config["architectures"][0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = get_peft_model(cls(hf_config), LoraConfig(r=rank, target_modules=peft_targets))
    theirs = sum(p.numel() for p in model.parameters() if p.requires_grad)
    counted = read_hf_config(json.dumps(config))
    assert lora_params(counted, parse_lora(f"r={rank},targets={ours}")).value == theirs


def test_bank_validate_against_torch_measures_the_training_templates():
    require("torch")
    require("peft")
    from pathlib import Path

    from quizgen.bank.crosscheck import torch_training
    from quizgen.bank.loader import crosscheck_template, load_bank

    bank = load_bank([Path(__file__).parent.parent / "question_bank" / "training.yaml"])
    measured = {
        "adamw-memory-fp32": "train_bytes(adamw, fp32)",
        "lora-parameters": "lora_params(r=8, targets=q+v)",
        "receptive-field": "receptive_field[5]",
    }
    for template_id, quantity in measured.items():
        template = bank.templates[template_id]
        assert crosscheck_template(template, ["torch"], variants=2) == []
        spec = template.architecture or ""
        spec = spec.replace("{{ i }}", "784").replace("{{ h }}", "256").replace("{{ layers }}", "32")
        for name, value in (("k1", 3), ("s1", 1), ("k2", 3), ("d2", 1), ("k3", 3), ("s3", 1)):
            spec = spec.replace("{{ " + name + " }}", str(value))
        assert (
            torch_training(spec, quantity)
            == {
                "adamw-memory-fp32": 16 * (784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10),
                "lora-parameters": 32 * 8 * ((4096 + 4096) + (4096 + 1024)),
                "receptive-field": 12,
            }[template_id]
        )
