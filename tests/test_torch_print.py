"""PyTorch modules built in real PyTorch, printed, and counted by quizgen's reader of the print."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import require

from quizgen.errors import ModelFileError, QuizgenError
from quizgen.readers import count_model

N_MODELS = 40
TORCHVISION = Path(__file__).resolve().parent / "data" / "torchvision"


def _leaf(rng: random.Random):
    from torch import nn

    a, b = rng.randint(1, 12), rng.randint(1, 12)
    heads = rng.randint(1, 3)
    choices = [
        lambda: nn.Linear(a, b, bias=rng.random() < 0.7),
        lambda: nn.Conv1d(a * 2, b * 2, rng.randint(1, 5), stride=rng.randint(1, 2), groups=rng.choice([1, 2])),
        lambda: nn.Conv2d(a, b, (rng.randint(1, 3), rng.randint(1, 3)), padding=rng.randint(0, 1), dilation=2),
        lambda: nn.Conv1d(a, b, 3, padding="same", bias=False),
        lambda: nn.ConvTranspose2d(a, b, 3, stride=2, output_padding=1, bias=rng.random() < 0.5),
        lambda: nn.ConvTranspose1d(a * 2, b * 2, 2, groups=2),
        lambda: nn.BatchNorm1d(a, affine=rng.random() < 0.8),
        lambda: nn.BatchNorm2d(a),
        lambda: nn.LayerNorm(a, elementwise_affine=rng.random() < 0.8, bias=rng.random() < 0.8),
        lambda: nn.LayerNorm((a, b)),
        lambda: nn.GroupNorm(1, a),
        lambda: nn.InstanceNorm2d(a, affine=rng.random() < 0.5),
        lambda: nn.Embedding(a * 10, b, padding_idx=0),
        lambda: nn.EmbeddingBag(a * 3, b),
        lambda: nn.RNN(a, b, num_layers=rng.randint(1, 2), nonlinearity="relu", bias=rng.random() < 0.7),
        lambda: nn.LSTM(
            a, b + 1, num_layers=rng.randint(1, 3), bidirectional=rng.random() < 0.5, proj_size=rng.randint(0, b)
        ),
        lambda: nn.GRU(a, b, batch_first=True, bidirectional=rng.random() < 0.5, dropout=0.0),
        lambda: nn.LSTMCell(a, b),
        lambda: nn.GRUCell(a, b, bias=False),
        lambda: nn.RNNCell(a, b),
        lambda: nn.MultiheadAttention(heads * a, heads, bias=rng.random() < 0.7),
        lambda: nn.TransformerEncoderLayer(heads * 4, heads, a * 4, bias=rng.random() < 0.7),
        lambda: nn.TransformerDecoderLayer(heads * 4, heads, b * 4),
        lambda: nn.PReLU(rng.choice([1, a])),
        lambda: nn.RMSNorm(a),
        lambda: nn.Bilinear(a, b, rng.randint(1, 5)),
        lambda: nn.ReLU(inplace=True),
        lambda: nn.Dropout(0.1),
        lambda: nn.MaxPool2d(2),
        lambda: nn.AdaptiveAvgPool2d((1, 1)),
        lambda: nn.GELU(),
        lambda: nn.Flatten(),
    ]
    return rng.choice(choices)()


def _module(rng: random.Random, depth: int = 0):
    from torch import nn

    class Block(nn.Module):
        def __init__(self, parts):
            super().__init__()
            for name, part in parts:
                self.add_module(name, part)

    class Net(nn.Module):
        pass

    kind = rng.choice(["sequential", "repeated", "dict", "nested"] if depth < 2 else ["sequential"])
    if kind == "sequential":
        return nn.Sequential(*[_leaf(rng) for _ in range(rng.randint(1, 4))])
    if kind == "repeated":
        import copy

        # Identical blocks print once, as "(0-3): 4 x Block(...)".
        template = [(rng.choice(["proj", "norm", "mix"]) + str(k), _leaf(rng)) for k in range(rng.randint(1, 3))]
        return nn.ModuleList([Block(copy.deepcopy(template)) for _ in range(rng.randint(2, 5))])
    if kind == "dict":
        return nn.ModuleDict({f"head {k}": _leaf(rng) for k in range(rng.randint(1, 3))})
    net = Net()
    for k in range(rng.randint(1, 3)):
        net.add_module(f"part{k}", _module(rng, depth + 1))
    net.add_module("out", _leaf(rng))
    return net


@pytest.mark.frameworks
@pytest.mark.parametrize("k", range(N_MODELS))
def test_printed_pytorch_models_count_as_pytorch_does(k):
    require("torch")
    rng = random.Random(9000 + k)
    model = _module(rng)
    printed = str(model)
    counted = count_model(printed, "torch-print", f"model{k}.txt")
    expected = sum(p.numel() for p in model.parameters())
    assert counted.total == expected, (str(model), [(layer.name, layer.spec, layer.params) for layer in counted.layers])
    for layer in counted.layers:
        assert layer.derivation.value == layer.params


def test_some_random_models_print_repeated_blocks():
    require("torch")
    printed = [str(_module(random.Random(9000 + k))) for k in range(N_MODELS)]
    assert sum(bool(re.search(r"\(\d+-\d+\): \d+ x ", text)) for text in printed) >= 5


@pytest.mark.parametrize(
    ("name", "total"),
    [("resnet18", 11_689_512), ("vgg16", 138_357_544), ("mobilenet_v2", 3_504_872)],
)
def test_torchvision_models_count_their_documented_totals(name, total):
    text = (TORCHVISION / f"{name}.txt").read_text()
    counted = count_model(text, "torch-print", f"{name}.txt")
    assert counted.total == total
    assert any("registered directly" in note for note in counted.notes)


MIXTRAL_PRINT = """MixtralForCausalLM(
  (model): MixtralModel(
    (embed_tokens): Embedding(100, 16)
    (layers): ModuleList(
      (0-1): 2 x MixtralDecoderLayer(
        (self_attn): MixtralAttention(
          (q_proj): Linear(in_features=16, out_features=16, bias=False)
          (o_proj): Linear(in_features=16, out_features=16, bias=False)
        )
        (mlp): MixtralSparseMoeBlock(
          (gate): MixtralTopKRouter()
          (experts): MixtralExperts(
            (act_fn): SiLUActivation()
          )
        )
      )
    )
  )
)
"""


def test_a_mixture_of_experts_print_is_refused_rather_than_undercounted():
    """Its router and fused experts print no widths (most of the model): a count would be far too low."""
    with pytest.raises(ModelFileError) as raised:
        count_model(MIXTRAL_PRINT, "torch-print", "mixtral.txt")
    message = str(raised.value)
    assert (
        message.startswith("mixtral.txt:11: MixtralTopKRouter: a mixture of experts") and "--from hf-config" in message
    )


@pytest.mark.frameworks
def test_a_vit_print_is_refused_rather_than_counted_without_its_class_token_and_positions():
    require("transformers")
    import torch
    import transformers

    with torch.device("meta"):
        model = transformers.ViTModel(
            transformers.ViTConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2)
        )
    with pytest.raises(ModelFileError) as raised:
        count_model(str(model), "torch-print", "vit.txt")
    assert "ViTEmbeddings: it holds cls_token and position_embeddings" in str(raised.value)


def test_what_a_print_hides_is_said_in_a_note():
    text = """Net(
  (attn): MultiheadAttention(
    (out_proj): NonDynamicallyQuantizableLinear(in_features=16, out_features=16, bias=True)
  )
  (act): SwiGLU(
    (w): Linear(in_features=16, out_features=32, bias=False)
  )
)"""
    counted = count_model(text, "torch-print")
    assert counted.total == 4 * 16 * 16 + 4 * 16 + 16 * 32
    notes = " ".join(counted.notes)
    assert "in-projection is not printed" in notes and "SwiGLU" in notes and "Net" in notes


def test_a_model_without_parameters_counts_zero():
    assert count_model("Net(\n  (a): ReLU()\n  (b): Dropout(p=0.1, inplace=False)\n)", "torch-print").total == 0


def test_huggingface_module_names_are_read():
    text = """GPT2Block(
  (ln_1): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
  (attn): GPT2Attention(
    (c_attn): Conv1D(nf=2304, nx=768)
    (c_proj): Conv1D(nf=768, nx=768)
  )
  (mlp): GPT2MLP(
    (act): NewGELUActivation()
  )
  (norm): LlamaRMSNorm((768,), eps=1e-06)
)"""
    counted = count_model(text, "torch-print")
    assert counted.total == 2 * 768 + (768 * 2304 + 2304) + (768 * 768 + 768) + 768


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("hello", "model.txt:1: not a printed PyTorch module"),
        ("Net(\n  (a): Linear(in_features=3, out_fea\n", "the print ends inside Linear( (line 2)"),
        ("Net(\n)\n)", "model.txt:3: a ')' closes nothing"),
        ("Net(\n  (a): Linear(in_features=3, bias=True)\n)", "model.txt:2: Linear: its print lacks 'out_features'"),
        ("Net(\n  (a): Linear(in_features=-4, out_features=3)\n)", "a (Dense): input sizes must be whole numbers"),
        ("Net(\n  (a): Linear(in_features=3, out_features=0)\n)", "a (Dense): Dense's 'units' must be at least 1"),
    ],
)
def test_what_cannot_be_read_is_a_one_line_error(text, words):
    with pytest.raises(ModelFileError) as raised:
        count_model(text, "torch-print", "model.txt")
    assert words in str(raised.value) and "\n" not in str(raised.value)


LINES = st.sampled_from(
    [
        "Net(",
        ")",
        "  (a): Linear(in_features=3, out_features=2, bias=True)",
        "  (0-3): 4 x Block(",
        "  (c): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))",
        "  (l): LSTM(4, 5, num_layers=2)",
        "  (x): Foo(",
        "  (p): ParameterList(  (0): Parameter containing: [torch.float32 of size 4x3])",
        "Linear(in_features=-1, out_features=2)",
        "  (e): Embedding(0, 3)",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES | st.text(max_size=30), max_size=12).map("\n".join))
def test_any_text_gives_a_count_or_a_one_line_error(text):
    try:
        counted = count_model(text, "torch-print")
    except QuizgenError as error:
        assert "\n" not in str(error)
    else:
        assert counted.total >= 0
