"""Hugging Face configs counted by quizgen and by transformers (models built on the meta device)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import require

from quizgen.errors import ModelFileError, QuizgenError
from quizgen.readers import count_model
from quizgen.readers.hf_config import FAMILIES

PER_FAMILY = 12


def _with_head_options(rng: random.Random, config: dict) -> dict:
    """Sometimes a number of labels for the task heads, sometimes an untied output head."""
    if rng.random() < 0.4:
        config["num_labels"] = rng.randint(2, 7)
    if rng.random() < 0.3:
        config["tie_word_embeddings"] = False
    return config


def _gpt2(rng: random.Random) -> dict:
    heads = rng.randint(1, 4)
    config = {
        "model_type": "gpt2",
        "n_embd": heads * rng.randint(2, 16),
        "n_head": heads,
        "n_layer": rng.randint(1, 4),
        "vocab_size": rng.randint(50, 600),
        "n_positions": rng.randint(16, 256),
    }
    if rng.random() < 0.4:
        config["n_inner"] = rng.randint(8, 64)
    return _with_head_options(rng, config)


def _gpt_neox(rng: random.Random) -> dict:
    heads = rng.randint(1, 4)
    config = {
        "model_type": "gpt_neox",
        "hidden_size": heads * 2 * rng.randint(1, 8),  # rotary embeddings need an even head size
        "num_attention_heads": heads,
        "num_hidden_layers": rng.randint(1, 3),
        "intermediate_size": rng.randint(8, 96),
        "vocab_size": rng.randint(50, 600),
    }
    return _with_head_options(rng, config)


def _gptj(rng: random.Random) -> dict:
    heads = rng.randint(1, 4)
    config = {
        "model_type": "gptj",
        "n_embd": heads * 4 * rng.randint(1, 4),
        "n_head": heads,
        "n_layer": rng.randint(1, 3),
        "vocab_size": rng.randint(50, 600),
        "rotary_dim": 4,
    }
    if rng.random() < 0.4:
        config["n_inner"] = rng.randint(8, 64)
    config = _with_head_options(rng, config)
    if rng.random() < 0.3:
        config["tie_word_embeddings"] = True
    return config


def _bloom(rng: random.Random) -> dict:
    heads = rng.randint(1, 4)
    config = {
        "model_type": "bloom",
        rng.choice(["hidden_size", "n_embed"]): heads * rng.randint(2, 16),
        "n_head": heads,
        "n_layer": rng.randint(1, 3),
        "vocab_size": rng.randint(50, 600),
    }
    return _with_head_options(rng, config)


def _falcon(rng: random.Random) -> dict:
    kv = rng.randint(1, 2)
    heads = kv * rng.randint(1, 3)
    config = {
        "model_type": "falcon",
        "hidden_size": heads * 2 * rng.randint(1, 6),
        "num_attention_heads": heads,
        "num_hidden_layers": rng.randint(1, 3),
        "vocab_size": rng.randint(50, 600),
        "bias": rng.random() < 0.4,
        "parallel_attn": rng.random() < 0.7,
        "multi_query": rng.random() < 0.6,
        "new_decoder_architecture": rng.random() < 0.4,
    }
    if config["new_decoder_architecture"]:
        config["num_kv_heads"] = kv
    if rng.random() < 0.3:
        config["num_ln_in_parallel_attn"] = rng.randint(1, 2)
    if rng.random() < 0.4:
        config["ffn_hidden_size"] = rng.randint(8, 64)
    return _with_head_options(rng, config)


def _opt(rng: random.Random) -> dict:
    heads = rng.randint(1, 4)
    config = {
        "model_type": "opt",
        "hidden_size": heads * rng.randint(2, 16),
        "num_attention_heads": heads,
        "num_hidden_layers": rng.randint(1, 3),
        "ffn_dim": rng.randint(8, 96),
        "vocab_size": rng.randint(50, 600),
        "max_position_embeddings": rng.randint(16, 256),
        "pad_token_id": 1,
        "do_layer_norm_before": rng.random() < 0.7,
    }
    if rng.random() < 0.4:
        config["word_embed_proj_dim"] = rng.randint(4, 24)
    return _with_head_options(rng, config)


def _t5(rng: random.Random) -> dict:
    config = {
        "model_type": "t5",
        "d_model": rng.randint(4, 32),
        "d_kv": rng.randint(2, 8),
        "num_heads": rng.randint(1, 4),
        "d_ff": rng.randint(8, 64),
        "num_layers": rng.randint(1, 3),
        "vocab_size": rng.randint(50, 600),
        "relative_attention_num_buckets": rng.randint(4, 40),
        "feed_forward_proj": rng.choice(["relu", "gated-gelu", "gated-silu"]),
    }
    if rng.random() < 0.5:
        config["num_decoder_layers"] = rng.randint(1, 3)
    if rng.random() < 0.3:
        config["tie_word_embeddings"] = False
    return config


def _bert(rng: random.Random) -> dict:
    heads = rng.randint(1, 4)
    config = {
        "model_type": "bert",
        "hidden_size": heads * rng.randint(2, 16),
        "num_attention_heads": heads,
        "num_hidden_layers": rng.randint(1, 4),
        "intermediate_size": rng.randint(8, 96),
        "vocab_size": rng.randint(50, 600),
        "max_position_embeddings": rng.randint(16, 256),
        "type_vocab_size": rng.randint(1, 3),
    }
    return _with_head_options(rng, config)


def _roberta(rng: random.Random) -> dict:
    return {**_bert(rng), "model_type": "roberta"}


def _distilbert(rng: random.Random) -> dict:
    heads = rng.randint(1, 4)
    config = {
        "model_type": "distilbert",
        "dim": heads * rng.randint(2, 16),
        "n_heads": heads,
        "n_layers": rng.randint(1, 4),
        "hidden_dim": rng.randint(8, 96),
        "vocab_size": rng.randint(50, 600),
        "max_position_embeddings": rng.randint(16, 256),
    }
    return _with_head_options(rng, config)


def _vit(rng: random.Random) -> dict:
    heads, patch = rng.randint(1, 4), rng.randint(2, 8)
    config = {
        "model_type": "vit",
        "hidden_size": heads * rng.randint(2, 16),
        "num_attention_heads": heads,
        "num_hidden_layers": rng.randint(1, 3),
        "intermediate_size": rng.randint(8, 96),
        "patch_size": patch,
        "image_size": patch * rng.randint(1, 6) + rng.randint(0, patch - 1),  # a remainder is cut off
        "num_channels": rng.randint(1, 4),
    }
    if rng.random() < 0.4:
        config["num_labels"] = rng.randint(2, 7)
    if rng.random() < 0.3:
        config["pooler_output_size"] = rng.randint(4, 40)
    return config


def _phi(rng: random.Random) -> dict:
    kv = rng.randint(1, 2)
    heads = kv * rng.randint(1, 3)
    config = {
        "model_type": "phi",
        "hidden_size": heads * 2 * rng.randint(1, 8),
        "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "num_hidden_layers": rng.randint(1, 3),
        "intermediate_size": rng.randint(8, 96),
        "vocab_size": rng.randint(50, 600),
        "qk_layernorm": rng.random() < 0.4,
    }
    return _with_head_options(rng, config)


def _electra(rng: random.Random) -> dict:
    heads = rng.randint(1, 4)
    config = {
        "model_type": "electra",
        "embedding_size": rng.randint(4, 40),
        "hidden_size": heads * rng.randint(2, 16),
        "num_attention_heads": heads,
        "num_hidden_layers": rng.randint(1, 3),
        "intermediate_size": rng.randint(8, 96),
        "vocab_size": rng.randint(50, 600),
        "max_position_embeddings": rng.randint(16, 256),
        "type_vocab_size": rng.randint(1, 3),
    }
    if rng.random() < 0.3:
        config["summary_proj_to_labels"] = True
    if rng.random() < 0.2:
        config["summary_use_proj"] = False
    return _with_head_options(rng, config)


def _refined_web(rng: random.Random, model_type: str) -> dict:
    """Falcon's custom-code configs, with the field names of the hub's first Falcon checkpoints."""
    kv = rng.randint(1, 3)
    heads = kv * rng.randint(1, 3)
    config = {
        "model_type": model_type,
        "hidden_size": heads * 2 * rng.randint(1, 6),
        "n_head": heads,
        "n_layer": rng.randint(1, 3),
        "vocab_size": rng.randint(50, 600),
        "bias": rng.random() < 0.4,
        "parallel_attn": rng.random() < 0.7,
        "alibi": False,
    }
    if model_type == "RefinedWeb":
        config["n_head_kv"] = kv
    else:
        config["multi_query"] = rng.random() < 0.7
    return _with_head_options(rng, config)


RENAMED = {"n_head": "num_attention_heads", "n_layer": "num_hidden_layers", "n_head_kv": "num_kv_heads"}


def _as_transformers_falcon(config: dict, cls: str) -> tuple[dict, str]:
    """A RefinedWeb(Model) config as transformers' Falcon reads the same checkpoint."""
    if config["model_type"] not in ("RefinedWeb", "RefinedWebModel"):
        return config, cls
    falcon = {RENAMED.get(k, k): v for k, v in config.items() if k != "alibi"}
    falcon["new_decoder_architecture"] = config["model_type"] == "RefinedWeb"
    falcon["model_type"] = "falcon"
    return falcon, {"RWForCausalLM": "FalconForCausalLM", "RWModel": "FalconModel"}[cls]


def _llama(rng: random.Random, model_type: str = "llama") -> dict:
    kv = rng.randint(1, 3)
    heads = kv * rng.randint(1, 4)
    config = {
        "model_type": model_type,
        "hidden_size": heads * 2 * rng.randint(1, 4),
        "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "num_hidden_layers": rng.randint(1, 3),
        "intermediate_size": rng.randint(8, 96),
        "vocab_size": rng.randint(50, 600),
        "tie_word_embeddings": rng.random() < 0.4,
    }
    if rng.random() < 0.3:
        config["head_dim"] = 2 * rng.randint(1, 6)  # rotary embeddings need an even head size
    # Every family is given the bias switches: only those its modules read may count.
    config["attention_bias"] = rng.random() < 0.3
    config["mlp_bias"] = rng.random() < 0.3
    if model_type == "phi3":
        config["pad_token_id"] = 0  # its default, 32000, is outside these small vocabularies
    if model_type in ("mixtral", "qwen3_moe"):
        config["num_local_experts"] = rng.randint(2, 5)
        config["num_experts_per_tok"] = rng.randint(1, 2)
    if model_type == "qwen3_moe":
        config["moe_intermediate_size"] = rng.randint(4, 32)
    return config


MAKERS = {
    "gpt2": _gpt2,
    "gpt_neox": _gpt_neox,
    "t5": _t5,
    "opt": _opt,
    "falcon": _falcon,
    "bloom": _bloom,
    "gptj": _gptj,
    "bert": _bert,
    "roberta": _roberta,
    "distilbert": _distilbert,
    "vit": _vit,
    "phi": _phi,
    "electra": _electra,
    "RefinedWebModel": lambda rng: _refined_web(rng, "RefinedWebModel"),
    "RefinedWeb": lambda rng: _refined_web(rng, "RefinedWeb"),
    **{
        family: (lambda rng, family=family: _llama(rng, family))
        for family in (
            "llama",
            "mistral",
            "qwen2",
            "qwen3",
            "gemma",
            "gemma2",
            "gemma3_text",
            "mixtral",
            "qwen3_moe",
            "phi3",
        )
    },
}
CASES = [(family, k) for family in MAKERS for k in range(PER_FAMILY)]


def _transformers_count(config: dict, cls: str) -> int:
    import torch
    import transformers

    config, cls = _as_transformers_falcon(config, cls)
    config_class = transformers.AutoConfig.for_model(config["model_type"]).__class__
    hf_config = config_class(**{k: v for k, v in config.items() if k not in ("model_type", "architectures")})
    with torch.device("meta"):
        model = getattr(transformers, cls)(hf_config)
    return sum(p.numel() for p in model.parameters())


def test_every_family_has_random_configs():
    assert set(MAKERS) == set(FAMILIES)


@pytest.mark.frameworks
@pytest.mark.parametrize(("family", "k"), CASES)
def test_configs_count_as_transformers_does(family, k):
    require("transformers")
    rng = random.Random(f"{family}-{k}")
    config = MAKERS[family](rng)
    cls = rng.choice(FAMILIES[family].classes)
    config["architectures"] = [cls]
    if cls == "DistilBertForQuestionAnswering":
        config.pop("num_labels", None)  # transformers refuses any other than 2 (as quizgen does)
    counted = count_model(json.dumps(config), "hf-config", "config.json")
    assert counted.total == _transformers_count(config, cls), (cls, config)
    for layer in counted.layers:
        assert layer.derivation.value == layer.params


@pytest.mark.parametrize(
    ("config", "total"),
    [
        ({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}, 124_439_808),
        ({"model_type": "bert", "architectures": ["BertModel"]}, 109_482_240),
        # microsoft/phi-2's config.json; 2,779,683,840 as its model card and transformers count it
        (
            {
                "model_type": "phi",
                "architectures": ["PhiForCausalLM"],
                "hidden_size": 2560,
                "intermediate_size": 10240,
                "num_hidden_layers": 32,
                "num_attention_heads": 32,
                "vocab_size": 51200,
                "partial_rotary_factor": 0.4,
                "qk_layernorm": False,
                "tie_word_embeddings": False,
            },
            2_779_683_840,
        ),
        # tiiuae/falcon-7b's first (custom-code) config.json: Falcon-7B's 6,921,720,704
        (
            {
                "model_type": "RefinedWebModel",
                "architectures": ["RWForCausalLM"],
                "alibi": False,
                "bias": False,
                "hidden_size": 4544,
                "multi_query": True,
                "n_head": 71,
                "n_layer": 32,
                "parallel_attn": True,
                "vocab_size": 65024,
            },
            6_921_720_704,
        ),
        (
            {
                "model_type": "llama",
                "architectures": ["LlamaForCausalLM"],
                "hidden_size": 4096,
                "intermediate_size": 11008,
                "num_attention_heads": 32,
                "num_hidden_layers": 32,
                "num_key_value_heads": 32,
                "vocab_size": 32000,
            },
            6_738_415_616,
        ),
        ({"model_type": "roberta", "max_position_embeddings": 514, "type_vocab_size": 1}, 124_645_632),
        ({"model_type": "distilbert", "architectures": ["DistilBertModel"]}, 66_362_880),
        (
            {
                "model_type": "qwen2",
                "architectures": ["Qwen2ForCausalLM"],
                "hidden_size": 896,
                "intermediate_size": 4864,
                "num_attention_heads": 14,
                "num_hidden_layers": 24,
                "num_key_value_heads": 2,
                "tie_word_embeddings": True,
            },
            494_032_768,
        ),
        (
            {
                "model_type": "gemma",
                "architectures": ["GemmaForCausalLM"],
                "hidden_size": 2048,
                "intermediate_size": 16384,
                "num_attention_heads": 8,
                "num_hidden_layers": 18,
                "num_key_value_heads": 1,
            },
            2_506_172_416,
        ),
        ({"model_type": "phi3", "architectures": ["Phi3ForCausalLM"]}, 3_821_079_552),
        ({"model_type": "gemma2", "architectures": ["Gemma2ForCausalLM"]}, 2_614_341_888),
        ({"model_type": "mixtral", "architectures": ["MixtralForCausalLM"]}, 46_702_792_704),
        ({"model_type": "vit", "architectures": ["ViTModel"]}, 86_389_248),
        ({"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]}, 60_506_624),
        ({"model_type": "opt", "architectures": ["OPTForCausalLM"]}, 125_239_296),
        ({"model_type": "falcon", "architectures": ["FalconForCausalLM"]}, 6_921_720_704),
        (
            {
                "model_type": "bloom",
                "architectures": ["BloomForCausalLM"],
                "hidden_size": 1024,
                "n_head": 16,
                "n_layer": 24,
            },
            559_214_592,
        ),
        (
            {
                "model_type": "opt",
                "architectures": ["OPTForCausalLM"],
                "hidden_size": 1024,
                "ffn_dim": 4096,
                "num_attention_heads": 16,
                "num_hidden_layers": 24,
                "word_embed_proj_dim": 512,
                "do_layer_norm_before": False,
            },
            331_196_416,
        ),
        (
            {"model_type": "t5", "d_model": 768, "d_ff": 3072, "num_heads": 12, "num_layers": 12},
            222_903_552,
        ),
        (
            {
                "model_type": "gpt_neox",
                "architectures": ["GPTNeoXForCausalLM"],
                "hidden_size": 768,
                "intermediate_size": 3072,
                "num_attention_heads": 12,
                "num_hidden_layers": 12,
                "vocab_size": 50304,
            },
            162_322_944,
        ),
        ({"model_type": "vit", "architectures": ["ViTForImageClassification"], "num_labels": 1000}, 86_567_656),
    ],
)
def test_published_figures(config, total):
    assert count_model(json.dumps(config), "hf-config").total == total


@pytest.mark.frameworks
@pytest.mark.parametrize(("family", "cls"), [(family, cls) for family in FAMILIES for cls in FAMILIES[family].classes])
def test_a_config_that_gives_only_its_family_counts_with_the_familys_defaults(family, cls):
    """What a config leaves out is the configuration class's default (Mistral's are not Llama's)."""
    require("transformers")
    config = {"model_type": family, "architectures": [cls]}
    if family == "RefinedWeb":  # its configuration class in the custom code has no default for n_head_kv
        with pytest.raises(ModelFileError, match="needs n_head_kv"):
            count_model(json.dumps(config), "hf-config")
        return
    counted = count_model(json.dumps(config), "hf-config")
    assert counted.total == _transformers_count(config, cls)


@pytest.mark.frameworks
@pytest.mark.parametrize(
    "config",
    [
        {"model_type": family, "architectures": [f"{prefix}ForQuestionAnswering"], "num_labels": 5}
        for family, prefix in (
            ("bert", "Bert"),
            ("roberta", "Roberta"),
            ("gpt2", "GPT2"),
            ("qwen2", "Qwen2"),
            ("gptj", "GPTJ"),
        )
    ]
    + [
        {"model_type": "gpt2", "max_position_embeddings": 2048, "hidden_size": 64, "num_attention_heads": 4},
        {"model_type": "gptj", "architectures": ["GPTJForCausalLM"], "tie_word_embeddings": True, "n_layer": 1},
        {"model_type": "distilbert", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2},
    ]
    + [
        {"model_type": family, "attention_bias": True, "mlp_bias": True, "hidden_size": 64, "num_attention_heads": 32}
        for family in ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3_text", "mixtral", "phi3")
    ],
)
def test_switches_count_only_where_the_familys_modules_read_them(config):
    """BERT's question-answering head has num_labels outputs, GPT-2's and Llama's two; GPT-2's and
    DistilBERT's sizes may be given by their common names; only Llama reads mlp_bias, only Llama and
    Gemma attention_bias (Mistral and Phi-3 have no biases, Qwen2 on q, k, v)."""
    require("transformers")
    cls = config.get("architectures", [FAMILIES[config["model_type"]].base])[0]
    counted = count_model(json.dumps(config), "hf-config")
    assert counted.total == _transformers_count(config, cls)


@pytest.mark.frameworks
@pytest.mark.parametrize(
    "options",
    [
        "qkv_bias=true",
        "qkv_bias=true, kv_heads=2, layers=2",
        "attention_bias=true, qkv_bias=true",
        "mlp_bias=true",
        "experts=4",
        "experts=3, top_k=1, kv_heads=4, layers=2",
    ],
)
def test_a_llama_style_block_counts_as_the_transformers_block_it_names(options):
    """With biases on q, k and v only, the block is Qwen2's; with experts, Mixtral's; otherwise Llama's."""
    require("transformers")
    from quizgen import count
    from quizgen.bank.crosscheck import torch_counts

    spec = f"Input(8, 64) -> LlamaDecoderLayer(64, 8, 96, {options})"
    model = count(spec, "pytorch")
    assert (model.total, model.trainable) == torch_counts(spec)


def test_a_mixture_of_experts_counts_every_expert_and_multiplies_by_the_ones_a_token_uses():
    """Mixtral-8x7B's block by hand: attention (4096·4096·2 + 4096·1024·2), router 4096·8, eight
    SwiGLU experts 3·4096·14336 each, two RMSNorms; per token, two experts and the router are used."""
    from quizgen import count

    spec = "Input(10, 4096) -> LlamaDecoderLayer(4096, 32, 14336, kv_heads=8, experts=8, top_k=2)"
    block = count(spec, "pytorch").layers[1]
    attention = 2 * 4096 * 4096 + 2 * 4096 * 1024
    expert = 3 * 4096 * 14336
    assert block.params == attention + 4096 * 8 + 8 * expert + 2 * 4096
    assert [p.name for p in block.parts] == ["attention", "router", "experts", "norms"]
    scores = 2 * 10 * 10 * 4096
    assert block.macs_expr is not None
    assert block.macs_expr.evaluate() == 10 * (attention + 4096 * 8 + 2 * expert) + scores


def test_flan_t5_counts_its_head_tied_as_transformers_5_does_and_says_what_the_checkpoint_holds():
    """Flan-T5-base: 247,577,856 published (its checkpoint has its own head); transformers 5 ties the
    head to the shared embedding whatever the config says, 32128·768 fewer."""
    config = {
        "model_type": "t5",
        "architectures": ["T5ForConditionalGeneration"],
        "d_model": 768,
        "d_ff": 2048,
        "num_heads": 12,
        "num_layers": 12,
        "feed_forward_proj": "gated-gelu",
        "tie_word_embeddings": False,
    }
    counted = count_model(json.dumps(config), "hf-config")
    assert counted.total + 32128 * 768 == 247_577_856
    assert any("24,674,304 parameters more" in note for note in counted.notes)


def test_a_llama_block_derivation_names_its_parts():
    config = {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8}
    counted = count_model(json.dumps({**config, "intermediate_size": 14336, "num_hidden_layers": 32}), "hf-config")
    block = next(layer for layer in counted.layers if layer.type == "LlamaDecoderLayer")
    assert block.derivation.text().startswith("32·(4096·32·128+4096·2·8·128+32·128·4096+3·4096·14336+2·4096)")
    assert [p.name for p in block.parts] == ["attention", "mlp", "norms"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[1, 2]", "a config.json is a JSON object"),
        ('{"model_type": "xlnet"}', "model_type 'xlnet' is not counted here"),
        ('{"model_type": "opt", "enable_bias": false}', "enable_bias=false is not counted here"),
        (
            '{"model_type": "gpt2", "architectures": ["GPT2DoubleHeadsModel"]}',
            "architectures names 'GPT2DoubleHeadsModel', not counted here",
        ),
        ('{"architectures": ["BertModel"]}', "config.json: the config has no model_type (quizgen counts: gpt2,"),
        (
            '{"model_type": "gpt2", "n_embd": 999999999}',
            "transformer.h.0-11: a size comes to more than 1,000,000,000 (from n_embd=999999999)",
        ),
        (
            '{"model_type": "bloom", "hidden_size": 1}',
            "1 features do not split into 8 heads (from hidden_size=1; n_head is 8 by default)",
        ),
        ('{"model_type": "gpt2", "n_inner": 10000000000}', "n_inner=10000000000 is larger than any model"),
        (
            '{"model_type": "phi", "hidden_size": 30, "num_attention_heads": 4}',
            "hidden_size=30 does not split into num_attention_heads=4",
        ),
        ('{"model_type": "RefinedWeb", "n_head": 8}', "a RefinedWeb config needs n_head_kv"),
        ('{"model_type": "RefinedWebModel", "alibi": true}', "alibi=true is not counted here"),
        (
            '{"model_type": "electra", "architectures": ["ElectraForMultipleChoice"], "summary_type": "attn"}',
            "summary_type='attn'",
        ),
        (
            '{"model_type": "bert", "hidden_size": 3, "hidden_size": 4}',
            "config.json:1: key 'hidden_size' is written twice",
        ),
        ("[" * 3000 + "]" * 3000, "nested more than 200 levels deep"),
        ('{"model_type": "bert", "hidden_size": -3}', "hidden_size must be a positive whole number"),
        ('{"model_type": "gpt2", "add_cross_attention": true}', "add_cross_attention=true is not counted here"),
        (
            '{"model_type": "llama", "num_attention_heads": 6, "num_key_value_heads": 4}',
            "do not share 4 key/value heads",
        ),
        (
            '{"model_type": "distilbert", "architectures": ["DistilBertForQuestionAnswering"], "num_labels": 3}',
            "has 2 outputs (start, end), not num_labels=3",
        ),
        ('{"model_type": "distilbert", "sinusoidal_pos_embds": true}', "sinusoidal_pos_embds=true is not counted here"),
        ('{"model_type": "gpt2", "n_embd": 64, "hidden_size": 32}', "n_embd=64 and hidden_size=32 name the same size"),
        ('{"model_type": "mixtral", "num_local_experts": 2, "num_experts_per_tok": 3}', "top_k=3 is more than its 2"),
        ('{"model_type": "vit", "qkv_bias": false}', "qkv_bias=false is not counted here"),
        ('{"model_type": "gpt_neox", "attention_bias": false}', "attention_bias=false is not counted here"),
        (
            '{"model_type": "t5", "feed_forward_proj": "gated-gelu-x"}',
            "feed_forward_proj 'gated-gelu-x' is not counted",
        ),
        ('{"model_type": "vit", "image_size": 8, "patch_size": 16}', "patch_size 16 is larger than image_size 8"),
    ],
)
def test_what_cannot_be_counted_is_a_one_line_error(text, words):
    with pytest.raises(ModelFileError) as raised:
        count_model(text, "hf-config", "config.json")
    assert words in str(raised.value) and "\n" not in str(raised.value)


KEYS = st.sampled_from(
    [
        "model_type",
        "hidden_size",
        "num_attention_heads",
        "num_key_value_heads",
        "n_embd",
        "n_head",
        "vocab_size",
        "architectures",
        "tie_word_embeddings",
        "head_dim",
        "num_hidden_layers",
        "intermediate_size",
        "num_labels",
        "dim",
        "n_heads",
        "n_layers",
        "hidden_dim",
        "sinusoidal_pos_embds",
        "attention_bias",
        "mlp_bias",
        "d_model",
        "d_ff",
        "d_kv",
        "num_layers",
        "num_decoder_layers",
        "feed_forward_proj",
        "word_embed_proj_dim",
        "do_layer_norm_before",
        "image_size",
        "patch_size",
        "num_channels",
        "qkv_bias",
        "num_local_experts",
        "num_experts_per_tok",
        "max_position_embeddings",
        "pooler_output_size",
        "embedding_size",
        "n_head_kv",
        "n_layer",
        "multi_query",
        "new_decoder_architecture",
        "alibi",
        "qk_layernorm",
        "summary_use_proj",
        "summary_proj_to_labels",
        "summary_type",
    ]
)
VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-2, 64)
    | st.sampled_from([*sorted(FAMILIES), "x"])
    | st.lists(st.sampled_from([c for f in FAMILIES.values() for c in f.classes[:2]] + ["Foo"]), max_size=2)
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=10))
def test_any_config_gives_a_count_or_a_one_line_error(config):
    try:
        counted = count_model(json.dumps(config), "hf-config")
    except QuizgenError as error:
        assert "\n" not in str(error)
    else:
        assert counted.total > 0


def test_gptj_question_answering_has_two_outputs_whatever_num_labels_says_and_a_note_says_so():
    config = {"model_type": "gptj", "architectures": ["GPTJForQuestionAnswering"], "n_layer": 1, "num_labels": 5}
    counted = count_model(json.dumps(config), "hf-config")
    head = next(layer for layer in counted.layers if layer.name == "qa_outputs")
    assert head.params == 4096 * 2 + 2
    assert any("2 outputs (start, end) whatever num_labels says (5)" in note for note in counted.notes)


@pytest.mark.frameworks
@pytest.mark.parametrize("kv", [1, 8])
def test_falcon_40b_custom_code_config_counts_as_transformers_falcon(kv):
    """tiiuae/falcon-40b's first config.json (RefinedWeb, grouped key/value heads)."""
    require("transformers")
    config = {
        "model_type": "RefinedWeb",
        "architectures": ["RWForCausalLM"],
        "bias": False,
        "hidden_size": 8192,
        "n_head": 128,
        "n_head_kv": kv,
        "n_layer": 60,
        "parallel_attn": True,
        "vocab_size": 65024,
    }
    counted = count_model(json.dumps(config), "hf-config")
    assert counted.total == _transformers_count(config, "RWForCausalLM")
    assert "counted as transformers' Falcon (n_head as num_attention_heads" in " ".join(counted.notes)
