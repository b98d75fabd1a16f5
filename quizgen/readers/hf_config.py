"""A Hugging Face ``config.json`` of the GPT-2, BERT and Llama families (Llama 2/3, Mistral), as
layers to count: the class named in ``architectures`` (else the base model). transformers is not
needed: the fields and their defaults are those of its configuration classes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizgen.counting.model import ModelCount, Node, count_graph
from quizgen.counting.spec import Arg, Call
from quizgen.errors import ModelFileError


def _call(name: str, *args: Any, **options: Any) -> Call:
    return Call(name, tuple(Arg(a) for a in args), 1, 1, {k: Arg(v, name=k) for k, v in options.items()})


@dataclass
class _Config:
    data: dict[str, Any]
    source: str
    nodes: list[Node] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def size(self, *names: str, default: int | None = None) -> int:
        """The first of ``names`` present (a positive whole number), else ``default``."""
        for name in names:
            if name in self.data and self.data[name] is not None:
                value = self.data[name]
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ModelFileError(f"{self.source}: {name} must be a positive whole number, not {value!r}")
                return value
        if default is None:
            raise ModelFileError(f"{self.source}: the config has no {names[0]}")
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

    def tied(self, head: str, embedding: str, vocab: int, width: int, bias: bool = False) -> None:
        """An output projection onto the vocabulary: the embedding's weights when tied, else its own."""
        if self.flag("tie_word_embeddings", True):
            self.notes.append(f"{head} shares {embedding}'s weights (tied): no parameters of its own")
        else:
            self.add(head, _call("Dense", vocab, bias=bias), width)


def _refuse(config: _Config, *flags: str) -> None:
    for flag in flags:
        if config.flag(flag, False):
            raise ModelFileError(f"{config.source}: {flag}=true is not counted here")


def _gpt2(config: _Config, cls: str) -> None:
    _refuse(config, "add_cross_attention")
    e, layers = (
        config.size("n_embd", "hidden_size", default=768),
        config.size("n_layer", "num_hidden_layers", default=12),
    )
    heads, vocab = config.size("n_head", "num_attention_heads", default=12), config.size("vocab_size", default=50257)
    inner = config.size("n_inner", default=4 * e)
    config.add("transformer.wte", _call("Embedding", vocab, e), None)
    config.add("transformer.wpe", _call("Embedding", config.size("n_positions", default=1024), e), None)
    config.add(f"transformer.h.0-{layers - 1}", _call("GPT2Block", e, heads, inner=inner), e, layers)
    config.add("transformer.ln_f", _call("LayerNormalization"), e)
    if cls == "GPT2LMHeadModel":
        config.tied("lm_head", "transformer.wte", vocab, e)
    elif cls == "GPT2ForSequenceClassification":
        config.add("score", _call("Dense", config.labels(), bias=False), e)
    elif cls == "GPT2ForTokenClassification":
        config.add("classifier", _call("Dense", config.labels()), e)
    elif cls == "GPT2ForQuestionAnswering":
        config.add("qa_outputs", _call("Dense", 2), e)


def _bert(config: _Config, cls: str) -> None:
    _refuse(config, "add_cross_attention")
    h, layers = config.size("hidden_size", default=768), config.size("num_hidden_layers", default=12)
    heads, vocab = config.size("num_attention_heads", default=12), config.size("vocab_size", default=30522)
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
        config.add("qa_outputs", _call("Dense", 2), h)


def _llama(config: _Config, cls: str) -> None:
    h, layers = config.size("hidden_size", default=4096), config.size("num_hidden_layers", default=32)
    heads = config.size("num_attention_heads", default=32)
    kv_heads = config.size("num_key_value_heads", default=heads)
    head_dim = config.size("head_dim", default=h // heads)
    vocab, intermediate = config.size("vocab_size", default=32000), config.size("intermediate_size", default=11008)
    block = _call(
        "LlamaDecoderLayer",
        h,
        heads,
        intermediate,
        kv_heads=kv_heads,
        head_dim=head_dim,
        attention_bias=config.flag("attention_bias", False),
        mlp_bias=config.flag("mlp_bias", False),
    )
    config.add("model.embed_tokens", _call("Embedding", vocab, h), None)
    config.add(f"model.layers.0-{layers - 1}", block, h, layers)
    config.add("model.norm", _call("RMSNormalization"), h)
    if cls.endswith("ForCausalLM"):
        config.data.setdefault("tie_word_embeddings", False)
        config.tied("lm_head", "model.embed_tokens", vocab, h)
    elif cls.endswith("ForSequenceClassification"):
        config.add("score", _call("Dense", config.labels(), bias=False), h)
    elif cls.endswith("ForTokenClassification"):
        config.add("score", _call("Dense", config.labels()), h)
    elif cls.endswith("ForQuestionAnswering"):
        config.add("qa_outputs", _call("Dense", 2), h)


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
    "llama": Family(_llama, _classes("Llama", *LLAMA_HEADS), "LlamaModel"),
    "mistral": Family(_llama, _classes("Mistral", *LLAMA_HEADS), "MistralModel"),
}


def read_hf_config(text: str, source: str = "config.json") -> ModelCount:
    """Count the model a Hugging Face config describes (the class in ``architectures``, else the base model)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{source}:{error.lineno}: not JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"{source}: a config.json is a JSON object")
    model_type = data.get("model_type")
    family = FAMILIES.get(model_type) if isinstance(model_type, str) else None
    if family is None:
        known = ", ".join(FAMILIES)
        raise ModelFileError(f"{source}: model_type {model_type!r} is not counted here (known: {known})")
    architectures = data.get("architectures")
    cls = architectures[0] if isinstance(architectures, list) and architectures else family.base
    if not isinstance(cls, str) or cls not in family.classes:
        raise ModelFileError(f"{source}: {cls!r} is not counted here (for {model_type}: {', '.join(family.classes)})")
    config = _Config(data, source)
    family.build(config, cls)
    spec = f"{cls} ({model_type} config)"
    return count_graph(config.nodes, "pytorch", source=source, spec=spec, notes=tuple(config.notes))
