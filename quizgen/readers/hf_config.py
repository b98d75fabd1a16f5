"""A Hugging Face ``config.json`` of the GPT-2 (GPT-J, GPT-NeoX, OPT, BLOOM, Falcon), T5, BERT
(RoBERTa, DistilBERT, ViT) and Llama (Mistral, Qwen2, Qwen3, Qwen3-MoE, Gemma 1-3, Mixtral, Phi-3)
families, as layers to count: the class named in ``architectures`` (else the base model).
transformers is not needed: the fields and their defaults are those of its configuration classes,
and the modules those of its model classes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizgen.counting.layers.base import MAX_SIZE
from quizgen.counting.model import ModelCount, Node, count_graph
from quizgen.counting.spec import Arg, Call
from quizgen.errors import ModelFileError
from quizgen.readers.json_text import load_json


def _call(name: str, *args: Any, **options: Any) -> Call:
    return Call(name, tuple(Arg(a) for a in args), 1, 1, {k: Arg(v, name=k) for k, v in options.items()})


@dataclass
class _Config:
    data: dict[str, Any]
    source: str
    nodes: list[Node] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    read: dict[str, tuple[int, bool]] = field(default_factory=dict)
    """The sizes the model was built from: field name to (value, written in the config)."""

    def sizes_behind(self, message: str) -> str:
        """The fields behind a message about a size: those whose value it quotes, else all written ones."""
        quoted = set(re.findall(r"\d+", message.replace(",", "")))
        chosen = [(k, v) for k, v in self.read.items() if str(v[0]) in quoted] or [
            (k, v) for k, v in self.read.items() if v[1]
        ]
        return "; ".join(f"{k}={v}" if written else f"{k} is {v} by default" for k, (v, written) in chosen)

    def size(self, *names: str, default: int | None = None) -> int:
        """The size ``names`` give (a positive whole number; they are one field's names, as a
        configuration class's aliases are), else ``default``."""
        given = {name: self.data[name] for name in names if self.data.get(name) is not None}
        for name, value in given.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ModelFileError(f"{self.source}: {name} must be a positive whole number, not {value!r}")
            if value > MAX_SIZE:
                raise ModelFileError(f"{self.source}: {name}={value} is larger than any model (at most {MAX_SIZE:,})")
        if len(set(given.values())) > 1:
            both = " and ".join(f"{name}={value}" for name, value in given.items())
            raise ModelFileError(f"{self.source}: {both} name the same size and disagree")
        if given:
            name, value = next(iter(given.items()))
            self.read[name] = (value, True)
            return value
        if default is None:
            raise ModelFileError(f"{self.source}: the config has no {names[0]}")
        self.read.setdefault(names[0], (default, False))
        return default

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ModelFileError(f"{self.source}: {name} must be true or false, not {value!r}")
        return value

    def labels(self) -> int:
        if "num_labels" in self.data:
            return self.size("num_labels")
        id2label = self.data.get("id2label")
        return len(id2label) if isinstance(id2label, dict) and id2label else 2

    def add(self, name: str, call: Call, width: int | None, times: int = 1) -> None:
        shape = (None,) if width is None else (None, width)
        self.nodes.append(Node(call, input_shapes=(shape,), times=times, name=name))

    def tied(
        self, head: str, embedding: str, vocab: int, width: int, bias: bool = False, keeps_bias: bool = False
    ) -> None:
        """An output projection onto the vocabulary: the embedding's weights when tied, else its own.
        ``keeps_bias``: a biased head whose bias stays its own when its weights are tied."""
        if not self.flag("tie_word_embeddings", True):
            self.add(head, _call("Dense", vocab, bias=bias or keeps_bias), width)
        elif keeps_bias:
            self.notes.append(f"{head} shares {embedding}'s weights (tied): only its bias is its own")
            self.add(f"{head}.bias", _call("Parameters", vocab), width)
        else:
            self.notes.append(f"{head} shares {embedding}'s weights (tied): no parameters of its own")


def _refuse(config: _Config, *flags: str) -> None:
    for flag in flags:
        if config.flag(flag, False):
            raise ModelFileError(f"{config.source}: {flag}=true is not counted here")


def _refuse_unless(config: _Config, *flags: str) -> None:
    for flag in flags:
        if not config.flag(flag, True):
            raise ModelFileError(f"{config.source}: {flag}=false is not counted here")


def _generic_heads(config: _Config, cls: str, width: int, token_head: str = "classifier") -> None:
    """The task heads decoder models share: a score without bias over the last token, a token
    classifier, two outputs (start, end) for question answering."""
    if cls.endswith("ForSequenceClassification"):
        config.add("score", _call("Dense", config.labels(), bias=False), width)
    elif cls.endswith("ForTokenClassification"):
        config.add(token_head, _call("Dense", config.labels()), width)
    elif cls.endswith("ForQuestionAnswering"):
        config.add("qa_outputs", _call("Dense", 2), width)


def _gpt2(config: _Config, cls: str) -> None:
    _refuse(config, "add_cross_attention")
    e, layers = (
        config.size("n_embd", "hidden_size", default=768),
        config.size("n_layer", "num_hidden_layers", default=12),
    )
    heads, vocab = config.size("n_head", "num_attention_heads", default=12), config.size("vocab_size", default=50257)
    inner = config.size("n_inner", default=4 * e)
    config.add("transformer.wte", _call("Embedding", vocab, e), None)
    config.add(
        "transformer.wpe",
        _call("Embedding", config.size("n_positions", "max_position_embeddings", default=1024), e),
        None,
    )
    config.add(f"transformer.h.0-{layers - 1}", _call("GPT2Block", e, heads, inner=inner), e, layers)
    config.add("transformer.ln_f", _call("LayerNormalization"), e)
    if cls == "GPT2LMHeadModel":
        config.tied("lm_head", "transformer.wte", vocab, e)
    _generic_heads(config, cls, e)


def _gpt_neox(config: _Config, cls: str) -> None:
    """GPT-2's layer sizes (fused q, k, v with biases, an MLP with biases, two LayerNorms) without
    learned positions (rotary), and an output head of its own."""
    _refuse_unless(config, "attention_bias")
    h, layers = config.size("hidden_size", default=6144), config.size("num_hidden_layers", default=44)
    heads, vocab = config.size("num_attention_heads", default=64), config.size("vocab_size", default=50432)
    inner = config.size("intermediate_size", default=24576)
    config.add("gpt_neox.embed_in", _call("Embedding", vocab, h), None)
    config.add(f"gpt_neox.layers.0-{layers - 1}", _call("GPT2Block", h, heads, inner=inner), h, layers)
    config.add("gpt_neox.final_layer_norm", _call("LayerNormalization"), h)
    if cls == "GPTNeoXForCausalLM":
        config.data.setdefault("tie_word_embeddings", False)
        config.tied("lm_head", "gpt_neox.embed_in", vocab, h)
    _generic_heads(config, cls, h)


def _gptj(config: _Config, cls: str) -> None:
    """Attention without biases beside an MLP with them, one LayerNorm a layer (the two read the same
    normalized input), rotary positions, an output head with a bias."""
    e, layers = (
        config.size("n_embd", "hidden_size", default=4096),
        config.size("n_layer", "num_hidden_layers", default=28),
    )
    heads, vocab = config.size("n_head", "num_attention_heads", default=16), config.size("vocab_size", default=50400)
    if e % heads:
        raise ModelFileError(f"{config.source}: {e} features do not split into {heads} heads")
    inner, blocks = config.size("n_inner", default=4 * e), f"transformer.h.0-{layers - 1}"
    config.add("transformer.wte", _call("Embedding", vocab, e), None)
    config.add(f"{blocks}.ln_1", _call("LayerNormalization"), e, layers)
    config.add(f"{blocks}.attn.q, k, v, out_proj", _call("Dense", e, bias=False), e, 4 * layers)
    config.add(f"{blocks}.mlp.fc_in", _call("Dense", inner), e, layers)
    config.add(f"{blocks}.mlp.fc_out", _call("Dense", e), inner, layers)
    config.add("transformer.ln_f", _call("LayerNormalization"), e)
    if cls == "GPTJForCausalLM":
        config.data.setdefault("tie_word_embeddings", False)
        config.tied("lm_head", "transformer.wte", vocab, e, keeps_bias=True)
    elif cls == "GPTJForSequenceClassification":
        config.add("score", _call("Dense", config.labels(), bias=False), e)
    elif cls == "GPTJForQuestionAnswering":
        labels = config.labels()
        if labels != 2:
            config.notes.append(
                f"qa_outputs has 2 outputs (start, end) whatever num_labels says ({labels}), as in transformers 5"
            )
        config.add("qa_outputs", _call("Dense", 2), e)


def _bloom(config: _Config, cls: str) -> None:
    """GPT-2-sized layers (MLP of 4·hidden) without learned positions (ALiBi), a LayerNorm right
    after the word embeddings."""
    h, layers = (
        config.size("hidden_size", "n_embed", default=64),
        config.size("n_layer", "num_hidden_layers", default=2),
    )
    heads, vocab = config.size("n_head", "num_attention_heads", default=8), config.size("vocab_size", default=250880)
    config.add("transformer.word_embeddings", _call("Embedding", vocab, h), None)
    config.add("transformer.word_embeddings_layernorm", _call("LayerNormalization"), h)
    config.add(f"transformer.h.0-{layers - 1}", _call("GPT2Block", h, heads), h, layers)
    config.add("transformer.ln_f", _call("LayerNormalization"), h)
    if cls == "BloomForCausalLM":
        config.tied("lm_head", "transformer.word_embeddings", vocab, h)
    _generic_heads(config, cls, h)


def _falcon(config: _Config, cls: str) -> None:
    """Fused q, k, v (all heads, one shared key and value head, or grouped heads in the new
    architecture), an MLP, one or two LayerNorms a layer; every linear layer biased or none."""
    h, layers = config.size("hidden_size", default=4544), config.size("num_hidden_layers", default=32)
    heads, vocab = config.size("num_attention_heads", default=71), config.size("vocab_size", default=65024)
    ffn, bias = config.size("ffn_hidden_size", default=4 * h), config.flag("bias", False)
    if h % heads:
        raise ModelFileError(f"{config.source}: {h} features do not split into {heads} heads")
    head_dim = h // heads
    if config.flag("new_decoder_architecture", False):
        qkv = (2 * config.size("num_kv_heads", default=heads) + heads) * head_dim
        norms = config.size("num_ln_in_parallel_attn", default=2) if config.flag("parallel_attn", True) else 2
    else:
        qkv = h + 2 * head_dim if config.flag("multi_query", True) else 3 * h
        norms = config.size("num_ln_in_parallel_attn", default=1) if config.flag("parallel_attn", True) else 2
    blocks = f"transformer.h.0-{layers - 1}"
    config.add("transformer.word_embeddings", _call("Embedding", vocab, h), None)
    config.add(f"{blocks}.self_attention.query_key_value", _call("Dense", qkv, bias=bias), h, layers)
    config.add(f"{blocks}.self_attention.dense", _call("Dense", h, bias=bias), h, layers)
    config.add(f"{blocks}.mlp.dense_h_to_4h", _call("Dense", ffn, bias=bias), h, layers)
    config.add(f"{blocks}.mlp.dense_4h_to_h", _call("Dense", h, bias=bias), ffn, layers)
    config.add(f"{blocks}.layernorms", _call("LayerNormalization"), h, (2 if norms == 2 else 1) * layers)
    config.add("transformer.ln_f", _call("LayerNormalization"), h)
    if cls == "FalconForCausalLM":
        config.tied("lm_head", "transformer.word_embeddings", vocab, h)
    _generic_heads(config, cls, h)


def _opt(config: _Config, cls: str) -> None:
    """GPT-2-sized layers; learned positions with an offset of two, and word embeddings that may be
    narrower than the model (projected in and out)."""
    _refuse_unless(config, "enable_bias", "layer_norm_elementwise_affine")
    h, layers = config.size("hidden_size", default=768), config.size("num_hidden_layers", default=12)
    heads, vocab = config.size("num_attention_heads", default=12), config.size("vocab_size", default=50272)
    ffn, positions = config.size("ffn_dim", default=3072), config.size("max_position_embeddings", default=2048)
    words = config.size("word_embed_proj_dim", default=h)
    config.add("decoder.embed_tokens", _call("Embedding", vocab, words), None)
    config.add("decoder.embed_positions", _call("Embedding", positions + 2, h), None)
    if words != h:
        config.add("decoder.project_in", _call("Dense", h, bias=False), words)
    config.add(f"decoder.layers.0-{layers - 1}", _call("GPT2Block", h, heads, inner=ffn), h, layers)
    if config.flag("do_layer_norm_before", True) and not config.flag("_remove_final_layer_norm", False):
        config.add("decoder.final_layer_norm", _call("LayerNormalization"), h)
    if words != h:
        config.add("decoder.project_out", _call("Dense", words, bias=False), h)
    if cls == "OPTForCausalLM":
        config.tied("lm_head", "decoder.embed_tokens", vocab, words)
    elif cls == "OPTForSequenceClassification":
        config.add("score", _call("Dense", config.labels(), bias=False), words)
    elif cls == "OPTForQuestionAnswering":
        config.add("qa_outputs", _call("Dense", 2), words)


def _t5_stack(config: _Config, stack: str, layers: int, sizes: tuple[int, int, int, int], gated: bool) -> None:
    """One T5 stack: per block, attention (and in the decoder cross-attention) with q, k, v of
    heads·d_kv and an output back to d_model, a feed-forward network, a weight-only LayerNorm before
    each; the first block's relative position bias; a final LayerNorm. No biases anywhere."""
    d, inner, d_ff, heads = sizes
    blocks = f"{stack}.block.0-{layers - 1}"
    attentions = ["SelfAttention"] + (["EncDecAttention"] if stack == "decoder" else [])
    for k, attention in enumerate(attentions):
        config.add(f"{blocks}.layer.{k}.{attention}.q, k, v", _call("Dense", inner, bias=False), d, 3 * layers)
        config.add(f"{blocks}.layer.{k}.{attention}.o", _call("Dense", d, bias=False), inner, layers)
    buckets = config.size("relative_attention_num_buckets", default=32)
    config.add(
        f"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias", _call("Embedding", buckets, heads), None
    )
    ff = f"{blocks}.layer.{len(attentions)}.DenseReluDense"
    if gated:
        config.add(f"{ff}.wi_0, wi_1", _call("Dense", d_ff, bias=False), d, 2 * layers)
    else:
        config.add(f"{ff}.wi", _call("Dense", d_ff, bias=False), d, layers)
    config.add(f"{ff}.wo", _call("Dense", d, bias=False), d_ff, layers)
    norms = len(attentions) + 1
    config.add(f"{blocks}.layer.*.layer_norm", _call("RMSNormalization"), d, norms * layers)
    config.add(f"{stack}.final_layer_norm", _call("RMSNormalization"), d)


def _t5(config: _Config, cls: str) -> None:
    """An encoder and a decoder over one shared embedding (T5, T5 v1.1 and Flan-T5 with gated
    feed-forward networks)."""
    d, heads = (
        config.size("d_model", "hidden_size", default=512),
        config.size("num_heads", "num_attention_heads", default=8),
    )
    d_kv, d_ff = config.size("d_kv", "head_dim", default=64), config.size("d_ff", default=2048)
    layers = config.size("num_layers", "num_hidden_layers", default=6)
    vocab = config.size("vocab_size", default=32128)
    projection = config.data.get("feed_forward_proj", "relu")
    if projection not in ("relu", "gelu", "gated-gelu", "gated-relu", "gated-silu"):
        raise ModelFileError(f"{config.source}: feed_forward_proj {projection!r} is not counted here")
    gated, sizes = projection.startswith("gated-"), (d, heads * d_kv, d_ff, heads)
    config.add("shared", _call("Embedding", vocab, d), None)
    _t5_stack(config, "encoder", layers, sizes, gated)
    if cls != "T5EncoderModel":
        _t5_stack(config, "decoder", config.size("num_decoder_layers", default=layers), sizes, gated)
    if cls == "T5ForConditionalGeneration":
        if config.data.get("tie_word_embeddings") is False:
            config.notes.append(
                f"lm_head is tied as transformers 5 ties it, whatever tie_word_embeddings says; T5 v1.1 and"
                f" Flan-T5 checkpoints hold a head of their own, {vocab}·{d} = {vocab * d:,} parameters more"
            )
        config.data["tie_word_embeddings"] = True
        config.tied("lm_head", "shared", vocab, d)


def _encoder(config: _Config, vocab_default: int) -> tuple[int, int]:
    """BERT's embeddings (words, positions, token types, LayerNorm) and layers: (hidden, vocab)."""
    _refuse(config, "add_cross_attention")
    h, layers = config.size("hidden_size", default=768), config.size("num_hidden_layers", default=12)
    heads, vocab = config.size("num_attention_heads", default=12), config.size("vocab_size", default=vocab_default)
    intermediate = config.size("intermediate_size", default=3072)
    config.add("embeddings.word_embeddings", _call("Embedding", vocab, h), None)
    config.add(
        "embeddings.position_embeddings",
        _call("Embedding", config.size("max_position_embeddings", default=512), h),
        None,
    )
    config.add(
        "embeddings.token_type_embeddings", _call("Embedding", config.size("type_vocab_size", default=2), h), None
    )
    config.add("embeddings.LayerNorm", _call("LayerNormalization"), h)
    config.add(f"encoder.layer.0-{layers - 1}", _call("BertLayer", h, heads, intermediate), h, layers)
    return h, vocab


def _bert(config: _Config, cls: str) -> None:
    h, vocab = _encoder(config, 30522)
    pooled = cls in (
        "BertModel",
        "BertForSequenceClassification",
        "BertForPreTraining",
        "BertForNextSentencePrediction",
        "BertForMultipleChoice",
    )
    if pooled:
        config.add("pooler.dense", _call("Dense", h), h)
    if cls in ("BertForMaskedLM", "BertForPreTraining", "BertLMHeadModel"):
        config.add("cls.predictions.transform.dense", _call("Dense", h), h)
        config.add("cls.predictions.transform.LayerNorm", _call("LayerNormalization"), h)
        config.add("cls.predictions.bias", _call("Parameters", vocab), h)
        # Untied, the decoder has a bias of its own besides cls.predictions.bias (transformers 5).
        config.tied("cls.predictions.decoder", "embeddings.word_embeddings", vocab, h, bias=True)
    if cls in ("BertForPreTraining", "BertForNextSentencePrediction"):
        config.add("cls.seq_relationship", _call("Dense", 2), h)
    elif cls == "BertForSequenceClassification" or cls == "BertForTokenClassification":
        config.add("classifier", _call("Dense", config.labels()), h)
    elif cls == "BertForMultipleChoice":
        config.add("classifier", _call("Dense", 1), h)
    elif cls == "BertForQuestionAnswering":
        config.add("qa_outputs", _call("Dense", config.labels()), h)  # BERT's reads num_labels, not 2


def _roberta(config: _Config, cls: str) -> None:
    """BERT's layers; its own heads, and no pooler under the heads that read every token."""
    h, vocab = _encoder(config, 50265)
    if cls in ("RobertaModel", "RobertaForMultipleChoice"):
        config.add("pooler.dense", _call("Dense", h), h)
    if cls in ("RobertaForMaskedLM", "RobertaForCausalLM"):
        config.add("lm_head.dense", _call("Dense", h), h)
        config.add("lm_head.layer_norm", _call("LayerNormalization"), h)
        config.add("lm_head.bias", _call("Parameters", vocab), h)
        # Untied, the decoder has a bias of its own besides lm_head.bias (transformers 5).
        config.tied("lm_head.decoder", "embeddings.word_embeddings", vocab, h, bias=True)
    elif cls == "RobertaForSequenceClassification":
        config.add("classifier.dense", _call("Dense", h), h)
        config.add("classifier.out_proj", _call("Dense", config.labels()), h)
    elif cls == "RobertaForTokenClassification":
        config.add("classifier", _call("Dense", config.labels()), h)
    elif cls == "RobertaForMultipleChoice":
        config.add("classifier", _call("Dense", 1), h)
    elif cls == "RobertaForQuestionAnswering":
        config.add("qa_outputs", _call("Dense", config.labels()), h)


def _distilbert(config: _Config, cls: str) -> None:
    """Six BERT-sized layers under DistilBERT's own names; no token types, no pooler."""
    _refuse(config, "sinusoidal_pos_embds")
    d, layers = config.size("dim", "hidden_size", default=768), config.size("n_layers", "num_hidden_layers", default=6)
    heads, vocab = config.size("n_heads", "num_attention_heads", default=12), config.size("vocab_size", default=30522)
    config.add("embeddings.word_embeddings", _call("Embedding", vocab, d), None)
    config.add(
        "embeddings.position_embeddings",
        _call("Embedding", config.size("max_position_embeddings", default=512), d),
        None,
    )
    config.add("embeddings.LayerNorm", _call("LayerNormalization"), d)
    hidden = config.size("hidden_dim", default=3072)
    config.add(f"transformer.layer.0-{layers - 1}", _call("BertLayer", d, heads, hidden), d, layers)
    if cls == "DistilBertForMaskedLM":
        config.add("vocab_transform", _call("Dense", d), d)
        config.add("vocab_layer_norm", _call("LayerNormalization"), d)
        config.tied("vocab_projector", "embeddings.word_embeddings", vocab, d, keeps_bias=True)
    elif cls in ("DistilBertForSequenceClassification", "DistilBertForMultipleChoice"):
        config.add("pre_classifier", _call("Dense", d), d)
        outputs = 1 if cls == "DistilBertForMultipleChoice" else config.labels()
        config.add("classifier", _call("Dense", outputs), d)
    elif cls == "DistilBertForTokenClassification":
        config.add("classifier", _call("Dense", config.labels()), d)
    elif cls == "DistilBertForQuestionAnswering":
        if config.labels() != 2:
            raise ModelFileError(f"{config.source}: {cls} has 2 outputs (start, end), not num_labels={config.labels()}")
        config.add("qa_outputs", _call("Dense", 2), d)


def _phi(config: _Config, cls: str) -> None:
    """Phi-1, 1.5 and 2: biased q, k, v (grouped key/value heads allowed) and dense, an optional
    LayerNorm over each head's queries and keys, a biased MLP, one LayerNorm a layer (attention and
    MLP read the same normalized input), a final LayerNorm and an untied head with a bias."""
    h, layers = config.size("hidden_size", default=2048), config.size("num_hidden_layers", default=24)
    heads, vocab = config.size("num_attention_heads", default=32), config.size("vocab_size", default=51200)
    kv_heads = config.size("num_key_value_heads", default=heads)
    if h % heads:
        raise ModelFileError(f"{config.source}: hidden_size={h} does not split into num_attention_heads={heads} heads")
    if heads % kv_heads:
        raise ModelFileError(
            f"{config.source}: num_attention_heads={heads} does not split into num_key_value_heads={kv_heads} groups"
        )
    head_dim = config.size("head_dim", default=h // heads)
    inner, blocks = config.size("intermediate_size", default=8192), f"model.layers.0-{layers - 1}"
    config.add("model.embed_tokens", _call("Embedding", vocab, h), None)
    config.add(f"{blocks}.self_attn.q_proj", _call("Dense", heads * head_dim), h, layers)
    config.add(f"{blocks}.self_attn.k_proj, v_proj", _call("Dense", kv_heads * head_dim), h, 2 * layers)
    config.add(f"{blocks}.self_attn.dense", _call("Dense", h), heads * head_dim, layers)
    if config.flag("qk_layernorm", False):
        config.add(f"{blocks}.self_attn.q_layernorm, k_layernorm", _call("LayerNormalization"), h // heads, 2 * layers)
    config.add(f"{blocks}.mlp.fc1", _call("Dense", inner), h, layers)
    config.add(f"{blocks}.mlp.fc2", _call("Dense", h), inner, layers)
    config.add(f"{blocks}.input_layernorm", _call("LayerNormalization"), h, layers)
    config.add("model.final_layernorm", _call("LayerNormalization"), h)
    if cls == "PhiForCausalLM":
        config.data.setdefault("tie_word_embeddings", False)
        config.tied("lm_head", "model.embed_tokens", vocab, h, keeps_bias=True)
    _generic_heads(config, cls, h, token_head="score")


def _electra(config: _Config, cls: str) -> None:
    """BERT's layers over embeddings of their own (narrower) width, projected up to the hidden size;
    a discriminator head, or a generator head tied to the word embeddings."""
    _refuse(config, "add_cross_attention")
    e, h = config.size("embedding_size", default=128), config.size("hidden_size", default=256)
    layers, heads = config.size("num_hidden_layers", default=12), config.size("num_attention_heads", default=4)
    vocab, intermediate = config.size("vocab_size", default=30522), config.size("intermediate_size", default=1024)
    if h % heads:
        raise ModelFileError(f"{config.source}: hidden_size={h} does not split into num_attention_heads={heads} heads")
    config.add("embeddings.word_embeddings", _call("Embedding", vocab, e), None)
    positions = config.size("max_position_embeddings", default=512)
    config.add("embeddings.position_embeddings", _call("Embedding", positions, e), None)
    token_types = config.size("type_vocab_size", default=2)
    config.add("embeddings.token_type_embeddings", _call("Embedding", token_types, e), None)
    config.add("embeddings.LayerNorm", _call("LayerNormalization"), e)
    if e != h:
        config.add("embeddings_project", _call("Dense", h), e)
    config.add(f"encoder.layer.0-{layers - 1}", _call("BertLayer", h, heads, intermediate), h, layers)
    if cls == "ElectraForPreTraining":
        config.add("discriminator_predictions.dense", _call("Dense", h), h)
        config.add("discriminator_predictions.dense_prediction", _call("Dense", 1), h)
    elif cls in ("ElectraForMaskedLM", "ElectraForCausalLM"):
        config.add("generator_predictions.LayerNorm", _call("LayerNormalization"), e)
        config.add("generator_predictions.dense", _call("Dense", e), h)
        config.tied("generator_lm_head", "embeddings.word_embeddings", vocab, e, keeps_bias=True)
    elif cls == "ElectraForSequenceClassification":
        config.add("classifier.dense", _call("Dense", h), h)
        config.add("classifier.out_proj", _call("Dense", config.labels()), h)
    elif cls in ("ElectraForTokenClassification", "ElectraForQuestionAnswering"):
        name = "classifier" if cls == "ElectraForTokenClassification" else "qa_outputs"
        config.add(name, _call("Dense", config.labels()), h)  # ELECTRA's question answering reads num_labels
    elif cls == "ElectraForMultipleChoice":
        if config.data.get("summary_type") == "attn":
            raise ModelFileError(f"{config.source}: summary_type='attn' is not built by transformers")
        if config.flag("summary_use_proj", True):
            labels = config.labels()
            to_labels = config.flag("summary_proj_to_labels", False) and labels > 0
            config.add("sequence_summary.summary", _call("Dense", labels if to_labels else h), h)
            h = labels if to_labels else h
        config.add("classifier", _call("Dense", 1), h)


REFINED_WEB = {"n_head": "num_attention_heads", "n_layer": "num_hidden_layers", "n_head_kv": "num_kv_heads"}
"""Field names of Falcon's custom-code configs (RefinedWeb, RefinedWebModel) and their names in transformers."""


def _refined_web(config: _Config, cls: str) -> None:
    """Falcon as its first, custom-code configs wrote it: RefinedWebModel (Falcon-7B: one shared key
    and value head) and RefinedWeb (Falcon-40B: grouped key/value heads, two LayerNorms a layer),
    counted as transformers' Falcon with their fields renamed."""
    data = dict(config.data)
    renamed = ", ".join(f"{old} as {new}" for old, new in REFINED_WEB.items() if old in data)
    for old, new in REFINED_WEB.items():
        if old in data:
            if data.get(new) is not None and data[new] != data[old]:
                raise ModelFileError(f"{config.source}: {old} and {new} name the same size and disagree")
            data[new] = data.pop(old)
    if data.get("alibi"):
        raise ModelFileError(f"{config.source}: alibi=true is not counted here")
    if data.get("model_type") == "RefinedWeb":
        if data.get("num_kv_heads") is None:
            raise ModelFileError(f"{config.source}: a RefinedWeb config needs n_head_kv (its key/value heads)")
        data.setdefault("new_decoder_architecture", True)
    config.data = data
    how = f" ({renamed})" if renamed else ""
    config.notes.append(f"{data['model_type']} (Falcon's custom-code config) counted as transformers' Falcon{how}")
    _falcon(config, "FalconForCausalLM" if cls == "RWForCausalLM" else "FalconModel")


def _vit(config: _Config, cls: str) -> None:
    """BERT-sized layers over image patches: a class token and one position embedding per patch and
    for the class token, a patch projection (a convolution with stride = kernel = patch size)."""
    _refuse_unless(config, "qkv_bias")
    h, layers = config.size("hidden_size", default=768), config.size("num_hidden_layers", default=12)
    heads, intermediate = config.size("num_attention_heads", default=12), config.size("intermediate_size", default=3072)
    image, patch = config.size("image_size", default=224), config.size("patch_size", default=16)
    channels = config.size("num_channels", default=3)
    if patch > image:
        raise ModelFileError(f"{config.source}: patch_size {patch} is larger than image_size {image}")
    patches = (image // patch) ** 2
    config.add("embeddings.cls_token", _call("Parameters", h), None)
    config.add("embeddings.position_embeddings", _call("Parameters", (patches + 1) * h), None)
    config.nodes.append(
        Node(
            _call("Conv2D", h, kernel=patch, stride=patch),
            input_shapes=((image, image, channels),),
            name="embeddings.patch_embeddings.projection",
        )
    )
    config.add(f"layers.0-{layers - 1}", _call("BertLayer", h, heads, intermediate), h, layers)
    config.add("layernorm", _call("LayerNormalization"), h)
    if cls == "ViTModel":
        config.add("pooler.dense", _call("Dense", config.size("pooler_output_size", default=h)), h)
    elif cls == "ViTForImageClassification":
        config.add("classifier", _call("Dense", config.labels()), h)


@dataclass(frozen=True)
class _Decoder:
    """A Llama-style decoder family: its configuration class's defaults, and the biases it has."""

    hidden: int
    layers: int
    heads: int
    vocab: int
    intermediate: int
    kv_heads: int | None = None  # when the config gives none (None: as many as the query heads)
    head_dim: int | None = None  # None: hidden / heads
    tied: bool = False
    qkv_bias: bool = False  # q, k and v always have biases (Qwen2)
    bias_flags: tuple[str, ...] = ()  # the config's bias switches the family's modules read
    feed_forward_norms: bool = False  # RMSNorms before and after each feed-forward too (Gemma 2)
    experts: int | None = None  # a mixture of experts in place of the feed-forward (Mixtral)
    top_k: int = 2  # experts a token uses, when the config does not say
    expert_size: str = "intermediate_size"  # the field giving an expert's intermediate size
    qk_norms: bool = False  # an RMSNorm over each head's queries and one over its keys (Qwen3, Gemma 3)


def _decoder(family: _Decoder) -> Callable[[_Config, str], None]:
    def build(config: _Config, cls: str) -> None:
        h, layers = (
            config.size("hidden_size", default=family.hidden),
            config.size("num_hidden_layers", default=family.layers),
        )
        heads = config.size("num_attention_heads", default=family.heads)
        kv_heads = config.size("num_key_value_heads", default=family.kv_heads or heads)
        head_dim = config.size("head_dim", default=family.head_dim or h // heads)
        vocab = config.size("vocab_size", default=family.vocab)
        intermediate = config.size(family.expert_size, default=family.intermediate)
        options: dict[str, Any] = {flag: config.flag(flag, False) for flag in family.bias_flags}
        if family.experts:
            options["experts"] = config.size("num_local_experts", "num_experts", default=family.experts)
            options["top_k"] = config.size("num_experts_per_tok", default=family.top_k)
            if config.data.get("mlp_only_layers") or config.data.get("decoder_sparse_step", 1) != 1:
                raise ModelFileError(
                    f"{config.source}: layers without experts (mlp_only_layers, decoder_sparse_step)"
                    " are not counted here"
                )
        block = _call(
            "LlamaDecoderLayer",
            h,
            heads,
            intermediate,
            kv_heads=kv_heads,
            head_dim=head_dim,
            qkv_bias=family.qkv_bias,
            **options,
        )
        config.add("model.embed_tokens", _call("Embedding", vocab, h), None)
        config.add(f"model.layers.0-{layers - 1}", block, h, layers)
        if family.qk_norms:
            name = f"model.layers.0-{layers - 1}.self_attn.q_norm, k_norm"
            config.add(name, _call("RMSNormalization"), head_dim, 2 * layers)
        if family.feed_forward_norms:
            for norm in ("pre_feedforward_layernorm", "post_feedforward_layernorm"):
                config.add(f"model.layers.0-{layers - 1}.{norm}", _call("RMSNormalization"), h, layers)
        config.add("model.norm", _call("RMSNormalization"), h)
        if cls.endswith("ForCausalLM"):
            config.data.setdefault("tie_word_embeddings", family.tied)
            config.tied("lm_head", "model.embed_tokens", vocab, h)
        _generic_heads(config, cls, h, token_head="score")

    return build


@dataclass(frozen=True)
class Family:
    build: Callable[[_Config, str], None]
    classes: tuple[str, ...]
    base: str


def _classes(prefix: str, *suffixes: str) -> tuple[str, ...]:
    return tuple(prefix + suffix for suffix in suffixes)


LLAMA_HEADS = ("Model", "ForCausalLM", "ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering")
FAMILIES = {
    "gpt2": Family(
        _gpt2,
        _classes(
            "GPT2",
            "Model",
            "LMHeadModel",
            "ForSequenceClassification",
            "ForTokenClassification",
            "ForQuestionAnswering",
        ),
        "GPT2Model",
    ),
    "gpt_neox": Family(_gpt_neox, _classes("GPTNeoX", *LLAMA_HEADS), "GPTNeoXModel"),
    "bert": Family(
        _bert,
        _classes(
            "Bert",
            "Model",
            "ForMaskedLM",
            "ForPreTraining",
            "LMHeadModel",
            "ForSequenceClassification",
            "ForTokenClassification",
            "ForQuestionAnswering",
            "ForNextSentencePrediction",
            "ForMultipleChoice",
        ),
        "BertModel",
    ),
    "roberta": Family(
        _roberta,
        _classes(
            "Roberta",
            "Model",
            "ForMaskedLM",
            "ForCausalLM",
            "ForSequenceClassification",
            "ForTokenClassification",
            "ForQuestionAnswering",
            "ForMultipleChoice",
        ),
        "RobertaModel",
    ),
    "distilbert": Family(
        _distilbert,
        _classes(
            "DistilBert",
            "Model",
            "ForMaskedLM",
            "ForSequenceClassification",
            "ForTokenClassification",
            "ForQuestionAnswering",
            "ForMultipleChoice",
        ),
        "DistilBertModel",
    ),
    "gptj": Family(
        _gptj,
        _classes("GPTJ", "Model", "ForCausalLM", "ForSequenceClassification", "ForQuestionAnswering"),
        "GPTJModel",
    ),
    "bloom": Family(_bloom, _classes("Bloom", *LLAMA_HEADS), "BloomModel"),
    "falcon": Family(_falcon, _classes("Falcon", *LLAMA_HEADS), "FalconModel"),
    "opt": Family(
        _opt, _classes("OPT", "Model", "ForCausalLM", "ForSequenceClassification", "ForQuestionAnswering"), "OPTModel"
    ),
    "t5": Family(_t5, ("T5Model", "T5ForConditionalGeneration", "T5EncoderModel"), "T5Model"),
    "phi": Family(_phi, _classes("Phi", *LLAMA_HEADS[:4]), "PhiModel"),
    "electra": Family(
        _electra,
        _classes(
            "Electra",
            "Model",
            "ForPreTraining",
            "ForMaskedLM",
            "ForCausalLM",
            "ForSequenceClassification",
            "ForTokenClassification",
            "ForQuestionAnswering",
            "ForMultipleChoice",
        ),
        "ElectraModel",
    ),
    "RefinedWebModel": Family(_refined_web, ("RWForCausalLM", "RWModel"), "RWModel"),
    "RefinedWeb": Family(_refined_web, ("RWForCausalLM", "RWModel"), "RWModel"),
    "vit": Family(_vit, ("ViTModel", "ViTForImageClassification"), "ViTModel"),
    "llama": Family(
        _decoder(_Decoder(4096, 32, 32, 32000, 11008, bias_flags=("attention_bias", "mlp_bias"))),
        _classes("Llama", *LLAMA_HEADS),
        "LlamaModel",
    ),
    "mistral": Family(
        _decoder(_Decoder(4096, 32, 32, 32000, 14336, kv_heads=8)), _classes("Mistral", *LLAMA_HEADS), "MistralModel"
    ),
    "qwen2": Family(
        _decoder(_Decoder(4096, 32, 32, 151936, 22016, kv_heads=32, qkv_bias=True)),
        _classes("Qwen2", *LLAMA_HEADS),
        "Qwen2Model",
    ),
    "gemma": Family(
        _decoder(_Decoder(3072, 28, 16, 256000, 24576, 16, 256, tied=True, bias_flags=("attention_bias",))),
        _classes("Gemma", *LLAMA_HEADS[:4]),
        "GemmaModel",
    ),
    "gemma2": Family(
        _decoder(
            _Decoder(
                2304, 26, 8, 256000, 9216, 4, 256, tied=True, bias_flags=("attention_bias",), feed_forward_norms=True
            )
        ),
        _classes("Gemma2", *LLAMA_HEADS[:4]),
        "Gemma2Model",
    ),
    "qwen3": Family(
        _decoder(_Decoder(4096, 32, 32, 151936, 22016, 32, 128, bias_flags=("attention_bias",), qk_norms=True)),
        _classes("Qwen3", *LLAMA_HEADS),
        "Qwen3Model",
    ),
    "gemma3_text": Family(
        _decoder(
            _Decoder(
                2304,
                26,
                8,
                262208,
                9216,
                4,
                256,
                tied=True,
                bias_flags=("attention_bias",),
                feed_forward_norms=True,
                qk_norms=True,
            )
        ),
        ("Gemma3TextModel", "Gemma3ForCausalLM"),
        "Gemma3TextModel",
    ),
    "qwen3_moe": Family(
        _decoder(
            _Decoder(
                2048,
                24,
                32,
                151936,
                768,
                4,
                bias_flags=("attention_bias",),
                qk_norms=True,
                experts=128,
                top_k=8,
                expert_size="moe_intermediate_size",
            )
        ),
        _classes("Qwen3Moe", *LLAMA_HEADS),
        "Qwen3MoeModel",
    ),
    "mixtral": Family(
        _decoder(_Decoder(4096, 32, 32, 32000, 14336, kv_heads=8, experts=8)),
        _classes("Mixtral", *LLAMA_HEADS),
        "MixtralModel",
    ),
    "phi3": Family(_decoder(_Decoder(3072, 32, 32, 32064, 8192)), _classes("Phi3", *LLAMA_HEADS[:4]), "Phi3Model"),
}


def read_hf_config(text: str, source: str = "config.json") -> ModelCount:
    """Count the model a Hugging Face config describes (the class in ``architectures``, else the base model)."""
    data = load_json(text, source)
    if not isinstance(data, dict):
        raise ModelFileError(f"{source}: a config.json is a JSON object")
    model_type = data.get("model_type")
    known = ", ".join(FAMILIES)
    if model_type is None:
        raise ModelFileError(f"{source}: the config has no model_type (quizgen counts: {known})")
    family = FAMILIES.get(model_type) if isinstance(model_type, str) else None
    if family is None:
        raise ModelFileError(f"{source}: model_type {model_type!r} is not counted here (quizgen counts: {known})")
    architectures = data.get("architectures")
    cls = architectures[0] if isinstance(architectures, list) and architectures else family.base
    if not isinstance(cls, str) or cls not in family.classes:
        raise ModelFileError(
            f"{source}: architectures names {cls!r}, not counted here (for {model_type}: {', '.join(family.classes)})"
        )
    config = _Config(data, source)
    family.build(config, cls)
    spec = f"{cls} ({model_type} config)"
    try:
        return count_graph(config.nodes, "pytorch", source=source, spec=spec, notes=tuple(config.notes))
    except ModelFileError as error:
        raise ModelFileError(_in_fields(str(error), config)) from None


def _in_fields(text: str, config: _Config) -> str:
    """A layer's complaint told in the config's own fields (``n_inner=…``), not in the names of the
    layer quizgen counts it with (``GPT2Block's 'inner'``)."""
    body = text.removeprefix(f"{config.source}: ")
    where, _, message = body.partition(": ")
    where = re.sub(r" \([\w.]+\)$", "", where)
    message = re.sub(r"^\w+: ", "", message)
    message = re.sub(
        r"\w+'s '\w+' must be at most (\d+)", lambda m: f"a size comes to more than {int(m.group(1)):,}", message
    )
    message = re.sub(
        r"\w+'s '\w+' must be at least (\d+)", lambda m: f"a size comes to less than {m.group(1)}", message
    )
    behind = config.sizes_behind(message)
    return f"{config.source}: {where}: {message}" + (f" (from {behind})" if behind else "")
