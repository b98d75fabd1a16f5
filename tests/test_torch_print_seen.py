"""Prints of the kinds people paste, rebuilt from the real frameworks: Hugging Face models printed on
the meta device, modules that share a weight or register one module several times, older repr
styles written out as they were, prints cut short; and random prints whose count is known."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import require

from quizgen.errors import ModelFileError, QuizgenError
from quizgen.readers import count_model


def _hf_print(config_name: str, cls: str, **sizes):
    """``print(model)`` of a transformers model built on the meta device, with its own counts:
    (text, parameters as PyTorch counts them, every registration counted)."""
    import torch
    import transformers

    config = getattr(transformers, config_name)(**sizes)
    with torch.device("meta"):
        model = getattr(transformers, cls)(config)
    unique = sum(p.numel() for p in model.parameters())
    every = sum(p.numel() for _, p in model.named_parameters(remove_duplicate=False))
    return str(model), unique, every


SEEN_HF = {
    "bloom-560m": ("BloomConfig", "BloomForCausalLM", {"hidden_size": 1024, "n_layer": 24, "n_head": 16}),
    "opt-350m": (
        "OPTConfig",
        "OPTForCausalLM",
        {
            "hidden_size": 1024,
            "ffn_dim": 4096,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "word_embed_proj_dim": 512,
            "do_layer_norm_before": False,
        },
    ),
    "falcon-7b": (
        "FalconConfig",
        "FalconForCausalLM",
        {"hidden_size": 4544, "num_hidden_layers": 32, "num_attention_heads": 71, "new_decoder_architecture": False},
    ),
    "bart-small": (
        "BartConfig",
        "BartForConditionalGeneration",
        {
            "vocab_size": 500,
            "d_model": 32,
            "encoder_layers": 2,
            "decoder_layers": 2,
            "encoder_attention_heads": 4,
            "decoder_attention_heads": 4,
            "encoder_ffn_dim": 64,
            "decoder_ffn_dim": 64,
        },
    ),
}


@pytest.mark.frameworks
@pytest.mark.parametrize("name", SEEN_HF)
def test_a_tied_hugging_face_print_counts_as_transformers_and_gives_the_untied_total(name):
    require("transformers")
    text, unique, every = _hf_print(*SEEN_HF[name][:2], **SEEN_HF[name][2])
    counted = count_model(text, "torch-print", f"{name}.txt")
    assert counted.total == unique
    assert [total for _, total in counted.alternatives] == [every] and every > unique
    assert "tie_word_embeddings=false" in counted.alternatives[0][0]
    assert any("lm_head ha" in note and "of" in note and f": {every:,}" in note for note in counted.notes)
    assert counted.to_dict()["alternatives"] == [{"if": counted.alternatives[0][0], "total": every}]


def test_published_totals_of_the_seen_prints():
    """BLOOM-560m 559,214,592, OPT-350m 331,196,416, Falcon-7B 6,921,720,704 (model cards)."""
    require("transformers")
    totals = {}
    for name, (config, cls, sizes) in list(SEEN_HF.items())[:3]:
        totals[name] = count_model(_hf_print(config, cls, **sizes)[0], "torch-print").total
    assert totals == {"bloom-560m": 559_214_592, "opt-350m": 331_196_416, "falcon-7b": 6_921_720_704}


@pytest.mark.frameworks
def test_an_untied_family_counts_its_head_and_gives_the_tied_total():
    require("transformers")
    sizes = {"hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4}
    text, unique, every = _hf_print("LlamaConfig", "LlamaForCausalLM", vocab_size=300, **sizes)
    counted = count_model(text, "torch-print")
    assert counted.total == unique == every
    assert [total for _, total in counted.alternatives] == [unique - 300 * 64]
    assert "tie_word_embeddings=true" in counted.alternatives[0][0]


@pytest.mark.frameworks
def test_custom_classes_with_a_standard_signature_are_counted_with_a_note():
    """FalconLinear prints Linear's arguments; OPT's learned positions print Embedding's, offset included."""
    require("transformers")
    text, unique, _ = _hf_print(
        "OPTConfig",
        "OPTForCausalLM",
        hidden_size=32,
        ffn_dim=48,
        num_hidden_layers=1,
        num_attention_heads=2,
        max_position_embeddings=40,
        vocab_size=100,
    )
    assert "OPTLearnedPositionalEmbedding(42, 32)" in text
    counted = count_model(text, "torch-print")
    assert counted.total == unique
    assert any("OPTLearnedPositionalEmbedding counted as nn.Embedding" in note for note in counted.notes)
    text, unique, _ = _hf_print(
        "FalconConfig", "FalconForCausalLM", hidden_size=32, num_hidden_layers=1, num_attention_heads=4, vocab_size=90
    )
    assert "FalconLinear(in_features=32" in text
    counted = count_model(text, "torch-print")
    assert counted.total == unique
    assert any("FalconLinear counted as nn.Linear" in note for note in counted.notes)


def _shared_modules():
    from torch import nn

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(1000, 32)
            self.body = nn.Linear(32, 32)
            self.head = nn.Linear(32, 1000)
            self.head.weight = self.emb.weight

    class Registered(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(4, 16)
            block = nn.Linear(16, 16)
            self.layers = nn.ModuleList([block] * 3)
            self.again = block
            self.out = nn.Linear(16, 2)

    return {"tied": Tied(), "registered": Registered()}


@pytest.mark.frameworks
@pytest.mark.parametrize("name", ["tied", "registered"])
def test_a_module_sharing_a_weight_counts_as_printed_and_gives_the_shared_total(name):
    require("torch")
    model = _shared_modules()[name]
    unique = sum(p.numel() for p in model.parameters())
    every = sum(p.numel() for _, p in model.named_parameters(remove_duplicate=False))
    counted = count_model(str(model), "torch-print")
    assert counted.total == every != unique
    assert [total for _, total in counted.alternatives] == [unique]
    assert any(f"{unique:,}" in note for note in counted.notes)


# Older repr styles, as older releases of transformers and of people's repositories printed them.
OLD_LLAMA = """LlamaForCausalLM(
  (model): LlamaModel(
    (embed_tokens): Embedding(128256, 4096)
    (layers): ModuleList(
      (0-31): 32 x LlamaDecoderLayer(
        (self_attn): LlamaSdpaAttention(
          (q_proj): Linear(in_features=4096, out_features=4096, bias=False)
          (k_proj): Linear(in_features=4096, out_features=1024, bias=False)
          (v_proj): Linear(in_features=4096, out_features=1024, bias=False)
          (o_proj): Linear(in_features=4096, out_features=4096, bias=False)
          (rotary_emb): LlamaRotaryEmbedding()
        )
        (mlp): LlamaMLP(
          (gate_proj): Linear(in_features=4096, out_features=14336, bias=False)
          (up_proj): Linear(in_features=4096, out_features=14336, bias=False)
          (down_proj): Linear(in_features=14336, out_features=4096, bias=False)
          (act_fn): SiLU()
        )
        (input_layernorm): LlamaRMSNorm()
        (post_attention_layernorm): LlamaRMSNorm()
      )
    )
    (norm): LlamaRMSNorm()
  )
  (lm_head): Linear(in_features=4096, out_features=128256, bias=False)
)"""
OLD_BERT = """BertModel(
  (embeddings): BertEmbeddings(
    (word_embeddings): Embedding(30522, 768, padding_idx=0)
    (position_embeddings): Embedding(512, 768)
    (token_type_embeddings): Embedding(2, 768)
    (LayerNorm): BertLayerNorm()
    (dropout): Dropout(p=0.1, inplace=False)
  )
)"""
OLD_GPT2 = """GPT2Model(
  (wte): Embedding(50257, 768)
  (wpe): Embedding(1024, 768)
  (h): ModuleList(
    (0): Block(
      (ln_1): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
      (attn): Attention(
        (c_attn): Conv1D()
        (c_proj): Conv1D()
      )
    )
  )
)"""


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (OLD_LLAMA, "model.txt:19: LlamaRMSNorm: a class quizgen does not know, whose print does not show"),
        (OLD_BERT, "model.txt:6: BertLayerNorm: a class quizgen does not know"),
        (OLD_GPT2, "model.txt:8: Conv1D: its print lacks 'nf'"),
        ("Net(\n  (norm): RMSNorm()\n)", "model.txt:2: RMSNorm: its print lacks 'normalized_shape'"),
        ("Net(\n  (mix): SwiGLU()\n)", "model.txt:2: SwiGLU: a class quizgen does not know"),
        ("Net(\n  (mix): Mixer(dim=64)\n)", "model.txt:2: Mixer: a class quizgen does not know"),
        ("Net(\n  (e): WordEmbedding(10, 4, scale=2)\n)", "model.txt:2: WordEmbedding: a class quizgen does not know"),
    ],
)
def test_a_leaf_whose_print_hides_its_parameters_is_refused_naming_class_and_line(text, words):
    with pytest.raises(ModelFileError) as raised:
        count_model(text, "torch-print", "model.txt")
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_the_same_llama_print_with_widths_counts_llama_3_8b():
    """Newer transformers print LlamaRMSNorm((4096,), eps=1e-05): Llama-3-8B's 8,030,261,248."""
    text = OLD_LLAMA.replace("LlamaRMSNorm()", "LlamaRMSNorm((4096,), eps=1e-05)")
    counted = count_model(text, "torch-print")
    assert counted.total == 8_030_261_248
    assert any("LlamaRMSNorm counted as nn.RMSNorm" in note for note in counted.notes)


def test_custom_layer_norms_with_layernorm_arguments_count_weight_and_bias():
    text = "Net(\n  (ln): FusedLayerNorm((768,), eps=1e-12, elementwise_affine=True)\n)"
    counted = count_model(text, "torch-print")
    assert counted.total == 2 * 768
    assert any("FusedLayerNorm counted as nn.LayerNorm" in note for note in counted.notes)


@pytest.mark.frameworks
def test_a_print_cut_short_after_its_last_layer_is_read_with_a_note():
    require("transformers")
    from torch import nn

    text, unique, _ = _hf_print("BloomConfig", "BloomForCausalLM", hidden_size=32, n_layer=2, n_head=4, vocab_size=90)
    nested = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.ReLU(), nn.Sequential(nn.Linear(4, 5))))
    for printed, total in ((text, unique), (str(nested), sum(p.numel() for p in nested.parameters()))):
        lines = printed.rstrip().splitlines()
        while lines[-1].strip() == ")":
            lines.pop()
        counted = count_model("\n".join(lines), "torch-print")
        assert counted.total == total
        assert any("the print ends without its last" in note for note in counted.notes)


def test_a_print_cut_inside_a_layer_line_is_refused():
    with pytest.raises(ModelFileError, match=r"the print ends inside Linear\( \(line 2\)"):
        count_model("Net(\n  (fc): Linear(in_features=4, out_fea", "torch-print")


def test_repeated_blocks_are_not_expanded_and_rows_group_identical_modules():
    blocks = "\n".join(
        f"    ({k}): Block(\n      (fc): Linear(in_features={8 + k % 3}, out_features=8, bias=True)\n    )"
        for k in range(3000)
    )
    text = (
        f"Net(\n  (blocks): ModuleList(\n{blocks}\n  )\n  (deep): ModuleList(\n    (0-47): 48 x Block(\n"
        "      (fc): Linear(in_features=16, out_features=16, bias=False)\n    )\n  )\n)"
    )
    counted = count_model(text, "torch-print")
    expected = sum((8 + k % 3) * 8 + 8 for k in range(3000)) + 48 * 16 * 16
    assert counted.total == expected
    assert len(counted.layers) == 4  # three widths under blocks.*, one repeated block
    assert [layer.params for layer in counted.layers[:3]] == [
        1000 * (8 * 8 + 8),
        1000 * (9 * 8 + 8),
        1000 * (10 * 8 + 8),
    ]
    assert {layer.name for layer in counted.layers} == {"blocks.*.fc", "deep.0-47.fc"}


# Random prints of leaves whose counts are known independently (written out by hand here), some of
# classes quizgen cannot know: a print with any of those is refused; any other counts exactly.
KNOWN_LEAVES = [
    ("Linear(in_features=4, out_features=3, bias=True)", 15),
    ("Linear(in_features=3, out_features=10, bias=False)", 30),
    ("Embedding(10, 3)", 30),
    ("LayerNorm((4,), eps=1e-05, elementwise_affine=True)", 8),
    ("Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))", 224),
    ("LSTM(4, 5, num_layers=2)", 4 * 5 * (4 + 5 + 2) + 4 * 5 * (5 + 5 + 2)),
    ("BatchNorm1d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", 12),
    ("ReLU()", 0),
    ("Dropout(p=0.1, inplace=False)", 0),
    ("NewGELUActivation()", 0),
    ("MyLinear(in_features=2, out_features=2, bias=False)", 4),
    ("PosEmbedding(7, 2)", 14),
]
UNKNOWN_LEAVES = ["SwiGLU()", "LlamaRMSNorm()", "Scale(dim=4)", "Conv1D()", "Mixer(4, 4)"]


@st.composite
def _printed(draw, depth: int = 0):
    """(lines, total, any unknown leaf) of a random module tree, with optional repetition."""
    lines, total, unknown = [], 0, False
    for k in range(draw(st.integers(1, 4))):
        times = draw(st.sampled_from([1, 1, 2, 5]))
        head = f"({k}-{k + times - 1}): {times} x " if times > 1 else f"({k}): "
        if depth < 2 and draw(st.booleans()):
            inner, count, hidden = draw(_printed(depth + 1))
            lines += [head + "Block(", *("  " + line for line in inner), ")"]
            total, unknown = total + times * count, unknown or hidden
        elif draw(st.integers(0, 9)) == 0:
            lines.append(head + draw(st.sampled_from(UNKNOWN_LEAVES)))
            unknown = True
        else:
            text, count = draw(st.sampled_from(KNOWN_LEAVES))
            lines.append(head + text)
            total += times * count
    return lines, total, unknown


@settings(max_examples=300, deadline=None)
@given(_printed(), st.integers(0, 3))
def test_a_random_print_counts_exactly_or_is_refused(tree, cut):
    lines, total, unknown = tree
    text = "\n".join(["Net(", *("  " + line for line in lines), ")"])
    if cut:  # closing parentheses lost at the end of a paste
        kept = text.splitlines()
        while cut and kept[-1].strip() == ")":
            kept.pop()
            cut -= 1
        text = "\n".join(kept)
    try:
        counted = count_model(text, "torch-print")
    except QuizgenError as error:
        assert unknown, str(error)
        assert "\n" not in str(error)
    else:
        assert not unknown
        assert counted.total == total
        json.dumps(counted.to_dict())


@pytest.mark.frameworks
def test_an_untied_encoder_decoder_print_counts_every_embedding():
    """BART with tie_word_embeddings=false: shared, both stacks' embed_tokens and lm_head are four
    matrices; the print looks the same, so the family default (tied) is counted and this is the alternative."""
    require("transformers")
    sizes = dict(SEEN_HF["bart-small"][2], tie_word_embeddings=False)
    text, unique, every = _hf_print("BartConfig", "BartForConditionalGeneration", **sizes)
    assert unique == every
    counted = count_model(text, "torch-print")
    assert [total for _, total in counted.alternatives] == [unique]


def test_equal_layers_of_a_sequential_are_copies_without_a_note():
    text = (
        "Sequential(\n  (0): Linear(in_features=8, out_features=8, bias=True)\n  (1): ReLU()\n"
        "  (2): Linear(in_features=8, out_features=8, bias=True)\n)"
    )
    counted = count_model(text, "torch-print")
    assert counted.total == 2 * 72 and counted.alternatives == ()


def test_equal_attributes_of_a_custom_module_may_be_one_module():
    text = (
        "Net(\n  (a): Linear(in_features=8, out_features=8, bias=True)\n"
        "  (b): Linear(in_features=8, out_features=8, bias=True)\n)"
    )
    counted = count_model(text, "torch-print")
    assert counted.total == 2 * 72 and [total for _, total in counted.alternatives] == [72]


SMALL = {"vocab_size": 300}
FAMILY_PRINTS = [
    ("GPT2Config", "GPT2LMHeadModel", {"n_embd": 32, "n_layer": 2, "n_head": 4, "n_positions": 64}),
    (
        "GPTNeoXConfig",
        "GPTNeoXForCausalLM",
        {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 48},
    ),
    ("GPTJConfig", "GPTJForCausalLM", {"n_embd": 32, "n_layer": 2, "n_head": 4, "rotary_dim": 4}),
    ("BloomConfig", "BloomForCausalLM", {"hidden_size": 32, "n_layer": 2, "n_head": 4}),
    (
        "OPTConfig",
        "OPTForCausalLM",
        {"hidden_size": 32, "ffn_dim": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "word_embed_proj_dim": 16},
    ),
    ("FalconConfig", "FalconForCausalLM", {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4}),
    (
        "LlamaConfig",
        "LlamaForCausalLM",
        {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4},
    ),
    (
        "MistralConfig",
        "MistralForCausalLM",
        {
            "hidden_size": 32,
            "intermediate_size": 48,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
        },
    ),
    (
        "Qwen2Config",
        "Qwen2ForCausalLM",
        {
            "hidden_size": 32,
            "intermediate_size": 48,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
        },
    ),
    (
        "PhiConfig",
        "PhiForCausalLM",
        {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4},
    ),
    (
        "BertConfig",
        "BertForMaskedLM",
        {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4},
    ),
    (
        "RobertaConfig",
        "RobertaForMaskedLM",
        {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4},
    ),
    ("DistilBertConfig", "DistilBertForMaskedLM", {"dim": 32, "hidden_dim": 48, "n_layers": 2, "n_heads": 4}),
    (
        "ElectraConfig",
        "ElectraForMaskedLM",
        {
            "embedding_size": 16,
            "hidden_size": 32,
            "intermediate_size": 48,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
        },
    ),
    (
        "BartConfig",
        "BartForConditionalGeneration",
        {
            "d_model": 32,
            "encoder_layers": 1,
            "decoder_layers": 1,
            "encoder_attention_heads": 4,
            "decoder_attention_heads": 4,
            "encoder_ffn_dim": 48,
            "decoder_ffn_dim": 48,
        },
    ),
]


@pytest.mark.frameworks
@pytest.mark.parametrize(("config", "cls", "sizes"), FAMILY_PRINTS, ids=[cls for _, cls, _ in FAMILY_PRINTS])
def test_a_family_print_counts_its_default_tying_and_gives_the_other(config, cls, sizes):
    """Counted as the family's default tie_word_embeddings; the alternative is transformers' count
    of the same model with the other setting (the print is the same either way)."""
    require("transformers")
    import transformers

    default = getattr(transformers, config)().tie_word_embeddings
    text, unique, _ = _hf_print(config, cls, **SMALL, **sizes)
    other = _hf_print(config, cls, **SMALL, **sizes, tie_word_embeddings=not default)
    assert other[0] == text
    counted = count_model(text, "torch-print")
    assert counted.total == unique
    assert [total for _, total in counted.alternatives] == [other[1]]
