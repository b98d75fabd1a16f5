"""Training and deployment arithmetic (design.md §11): closed forms written here independently,
published figures, the CLI's section and JSON, one-line errors, the question bank's templates."""

from __future__ import annotations

import contextlib
import json
import math

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import numeric_item

from quizgen import count
from quizgen.bank.answers import answer_for
from quizgen.cli import main
from quizgen.counting.devices import DEVICES, find_device
from quizgen.counting.lora import parse_lora
from quizgen.counting.quantity import parse_quantity
from quizgen.counting.quantize import parse_quantization, quant_bytes
from quizgen.counting.receptive_field import receptive_field
from quizgen.counting.training import (
    make_setup,
    max_batch,
    optimal_params,
    optimal_tokens,
    train_bytes,
    train_flops,
    train_flops_6nd,
    train_peak_bytes,
    train_time,
)
from quizgen.errors import QuizgenError, UsageError
from quizgen.grading.score import Scorer

PSI_7_5B = "Input(75000) -> Dense(100000, bias=false)"  # 7.5·10⁹ parameters, the ZeRO paper's Ψ
LLAMA_2_7B = (
    "Input(2048) -> Embedding(32000, 4096) -> LlamaDecoderLayer(4096, 32, 11008, layers=32)"
    " -> RMSNormalization() -> Dense(32000, bias=false)"
)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


# ------------------------------------------------------------------------------ closed forms

BYTES_A_PARAMETER = {
    # (optimizer, precision): weights + gradients + master copy + states, written out by hand
    ("sgd", "fp32"): 4 + 4,
    ("momentum", "fp32"): 4 + 4 + 4,
    ("adam", "fp32"): 4 + 4 + 4 + 4,
    ("adamw", "fp32"): 16,
    ("lion", "fp32"): 12,
    ("adamw", "bf16-mixed"): 2 + 2 + 4 + 4 + 4,
    ("adam", "fp16-mixed"): 16,
    ("sgd", "bf16-mixed"): 2 + 2 + 4,
    ("momentum", "fp16-mixed"): 2 + 2 + 4 + 4,
    ("adamw", "bf16"): 2 + 2 + 2 + 2,
    ("lion", "bf16"): 2 + 2 + 2,
    ("sgd", "bf16"): 4,
}


@pytest.mark.parametrize("optimizer, precision", sorted(BYTES_A_PARAMETER))
def test_static_memory_is_bytes_a_parameter_times_parameters(optimizer, precision):
    model = count("Input(300) -> Dense(200) -> Dense(7)")
    params = 300 * 200 + 200 + 200 * 7 + 7
    figure = train_bytes(model, make_setup(optimizer, precision))
    assert figure.value == BYTES_A_PARAMETER[optimizer, precision] * params
    assert figure.unit == "bytes" and figure.text().endswith(f"= {figure.value:,}")


def test_frozen_parameters_hold_only_their_weights():
    model = count("Input(10) -> Dense(20, trainable=false) -> Dense(3)")
    frozen, trainable = 10 * 20 + 20, 20 * 3 + 3
    assert train_bytes(model, make_setup("adamw", "bf16-mixed")).value == 16 * trainable + 2 * frozen


def test_the_zero_paper_figure_1():
    """Rajbhandari et al., ZeRO (SC'20), Fig. 1: Ψ = 7.5 B, N_d = 64, Adam in mixed precision (K = 12)."""
    model = count(PSI_7_5B)
    assert model.total == 7_500_000_000
    published = {0: 120.0, 1: 31.4, 2: 16.6, 3: 1.9}
    for stage, gb in published.items():
        setup = make_setup("adam", "fp16-mixed", zero=stage or None, devices=64 if stage else None)
        assert round(train_bytes(model, setup).value / 1e9, 1) == gb
    # and the closed forms behind them: (2 + 2 + K)Ψ, 2Ψ + 2Ψ + KΨ/N, 2Ψ + (2 + K)Ψ/N, (2 + 2 + K)Ψ/N
    psi, n = 7.5e9, 64
    forms = {1: 4 * psi + 12 * psi / n, 2: 2 * psi + 14 * psi / n, 3: 16 * psi / n}
    for stage, bytes_ in forms.items():
        setup = make_setup("adam", "fp16-mixed", zero=stage, devices=n)
        assert train_bytes(model, setup).value == bytes_


def test_chinchilla():
    """Hoffmann et al. 2022: Gopher's budget of 5.76·10²³ FLOPs is best spent on ~70 B parameters
    and ~1.4 T tokens; 70 B parameters want 1.4 T tokens."""
    setup = make_setup(budget="5.76e23")
    n = optimal_params(count("Input(1) -> Dense(1)"), setup).value
    d = optimal_tokens(count("Input(1) -> Dense(1)"), setup).value
    assert abs(n - 70e9) / 70e9 < 0.015 and abs(d - 1.4e12) / 1.4e12 < 0.015
    seventy = count("Input(70000) -> Dense(1000000, bias=false)")
    assert optimal_tokens(seventy, make_setup()).value == 1_400_000_000_000


def test_gpt3_training_compute():
    """Brown et al. 2020, Table D.1: GPT-3 175B on 300 B tokens took 3.14·10²³ FLOPs (6·N·D)."""
    gpt3 = count("Input(175000) -> Dense(1000000, bias=false)")
    flops = train_flops_6nd(gpt3, make_setup(tokens="3e11")).value
    assert abs(flops - 3.14e23) / 3.14e23 < 0.005


def test_a_run_on_a_cluster_in_days():
    model = count(LLAMA_2_7B, "pytorch")
    setup = make_setup("adamw", "bf16-mixed", tokens="2e12", device="a100-80gb", mfu="0.4", devices="1024")
    macs = model.macs
    assert macs is not None
    flops = 3 * 2 * macs * 2e12 / 2048
    assert train_flops(model, setup).value == round(flops)
    days = flops / (1024 * 312e12 * 0.4) / 86400
    assert train_time(model, setup).value == round(days, 4)
    # 6·N·D on the same run
    assert train_flops_6nd(model, setup).value == 6 * 6_738_415_616 * 2_000_000_000_000


def test_peak_memory_and_the_largest_batch():
    model = count("Input(32, 32, 3) -> Conv2D(8, 3) -> Flatten() -> Dense(10)")
    params = 3 * 3 * 3 * 8 + 8 + 30 * 30 * 8 * 10 + 10
    activations = 30 * 30 * 8 + 30 * 30 * 8 + 10  # conv, flatten, dense outputs of one sample
    setup = make_setup("adam", "fp32", batch=64, device="t4")
    assert train_peak_bytes(model, setup).value == 16 * params + 64 * 4 * activations
    assert max_batch(model, setup).value == (16 * 10**9 - 16 * params) // (4 * activations)


def test_quantized_checkpoints():
    model = count("Input(1000) -> Dense(1000, bias=false)")  # 10⁶ weights
    assert quant_bytes(model, parse_quantization("int4")).value == 500_000 + 2 * math.ceil(1e6 / 128)
    assert quant_bytes(model, parse_quantization("int8,group=64,zero=true")).value == 1_000_000 + 4 * 15625
    assert quant_bytes(model, parse_quantization("int8,group=none")).value == 1_000_000


def test_receptive_field_closed_form():
    # r: 1 → 3 (3×3) → 4 (pool 2, j 1→2) → 4 + 2·2·2 = 12 (dilation 2) → 12 + 2·1·2 = 16 (stride 2, j 2→4)
    model = count("Input(40, 40, 1) -> Conv2D(4, 3) -> MaxPooling2D(2) -> Conv2D(4, 3, dilation=2) -> Conv2D(4, 3, 2)")
    assert [receptive_field(model, k).value for k in (2, 3, 4, 5)] == [3, 4, 12, 16]
    assert receptive_field(model, 5, "kernels_summed").value == 3 + 2 + 3 + 3
    assert receptive_field(model, 5, "strides_ignored").value == 1 + 2 + 1 + 4 + 2


# ------------------------------------------------------------------------------ mistakes, grading


def test_the_mistakes_behind_wrong_numbers():
    answer = answer_for(LLAMA_2_7B, None, "pytorch", "train_bytes(adamw, bf16-mixed)")
    wrongs = {w.name: w.value for w in answer.wrongs}
    psi = 6_738_415_616
    assert answer.value == 16 * psi
    assert wrongs["adam_one_state"] == 12 * psi and wrongs["no_master_copy"] == 12 * psi
    assert wrongs["forgot_optimizer_states"] == 8 * psi and wrongs["forgot_gradients"] == 14 * psi
    flops = answer_for(LLAMA_2_7B, None, "pytorch", "train_flops(tokens=2048)")
    mistakes = {w.name: w.value for w in flops.wrongs}
    assert mistakes["forward_only_flops"] * 3 == flops.value == mistakes["backward_equals_forward"] * 3 // 2
    lora = answer_for(LLAMA_2_7B, None, "pytorch", "lora_params(r=8, targets=q+v)")
    assert lora.value == 32 * 2 * 8 * (4096 + 4096)
    assert {w.name: w.value for w in lora.wrongs}["lora_r_in_out"] == 32 * 2 * 8 * 4096 * 4096


def test_a_size_typed_in_gb_is_graded_within_the_tolerance_and_gib_named():
    item = numeric_item(LLAMA_2_7B, "train_bytes(adamw, bf16-mixed)", "pytorch", tolerance=5e7)
    scorer = Scorer({"gib_as_gb": 0.5})
    assert scorer.score(item, "107.8 GB").status == "correct"
    gib = scorer.score(item, "100.4 GB")
    assert gib.status == "partial" and gib.mistakes == ("gib_as_gb",)
    assert scorer.score(item, "80.9 GB").mistakes == ("adam_one_state", "no_master_copy")


def test_quantities_read_their_options_and_refuse_bad_ones():
    q = parse_quantity("train_bytes( adamw ,bf16-mixed, zero=2, devices=64 )")
    assert str(q) == "train_bytes(adamw, bf16-mixed, zero=2, devices=64)" and q.in_bytes
    assert parse_quantity("train_time(tokens=1e12, device=h100-sxm, mfu=0.4)").unit_kind == "days"
    assert parse_quantity("receptive_field[3]").unit_kind == "count"
    for bad, words in [
        ("train_bytes(adamx)", "neither an optimizer"),
        ("train_bytes(adamw, zero=4, devices=2)", "--zero takes 1, 2 or 3"),
        ("train_bytes(adamw, zero=2)", "give --devices"),
        ("train_time(tokens=1e12, device=h100)", "closest: h100-sxm"),
        ("lora_params(r=8)", "needs targets"),
        ("quant_bytes(int3)", "int8 or int4"),
        ("train_flops(speed=3)", "unknown option 'speed'"),
    ]:
        with pytest.raises(UsageError, match=words.replace("(", r"\(")):
            parse_quantity(bad)


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_junk_options_give_quizgen_errors(text):
    for reader in (parse_lora, parse_quantization, find_device, lambda t: parse_quantity(f"train_bytes({t})")):
        with contextlib.suppress(QuizgenError):
            reader(text)


# ------------------------------------------------------------------------------------- CLI


def test_count_with_a_training_run_shows_the_section_and_the_json():
    args = ["count", LLAMA_2_7B, "--framework", "pytorch", "--train", "adamw", "--precision", "bf16-mixed"]
    table = run(*args, "--zero", "2", "--devices", "64", "--tokens", "2e12", "--device", "a100-80gb", "--mfu", "0.4")
    assert table.exit_code == 0, table.output
    assert "training: adamw, bf16-mixed, batch 1, ZeRO stage 2 over 64 devices" in table.output
    assert "static training memory" in table.output and "training time" in table.output
    data = json.loads(run(*args, "--json").output)
    training = data["training"]
    assert training["setup"]["optimizer"] == "adamw" and training["train_bytes"]["value"] == 16 * 6_738_415_616
    assert training["train_bytes"]["derivation"].startswith("(2 + 2 + 4 + 2·4)·6,738,415,616 = 16·")
    assert "convention" in training["train_bytes"] and data["total"] == 6_738_415_616


def test_count_reads_a_hugging_face_config_for_training(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "model_type": "llama",
                "architectures": ["LlamaForCausalLM"],
                "hidden_size": 4096,
                "intermediate_size": 11008,
                "num_hidden_layers": 32,
                "num_attention_heads": 32,
                "vocab_size": 32000,
                "tie_word_embeddings": False,
            }
        )
    )
    result = run("count", str(config), "--from", "hf-config", "--train", "adamw", "--lora", "r=8,targets=q,v", "--json")
    assert result.exit_code == 0, result.output
    training = json.loads(result.output)["training"]
    assert training["lora_params"]["value"] == 4_194_304
    assert training["train_flops"]["value"] is None  # no sequence length in a config: said, not guessed


def test_receptive_field_column_and_quantized_size():
    result = run("count", "Input(32, 32, 3) -> Conv2D(8, 3) -> MaxPooling2D(2)", "--receptive-field", "--json")
    layers = json.loads(result.output)["layers"]
    assert [layer["receptive_field"] for layer in layers] == [[1, 1], [3, 3], [4, 4]]
    table = run("count", "Input(32, 32, 3) -> Conv2D(8, 3) -> MaxPooling2D(2)", "--receptive-field")
    assert "receptive field" in table.output.splitlines()[2]
    quantized = json.loads(run("count", "Input(100) -> Dense(100)", "--quantize", "int8,group=100", "--json").output)
    assert quantized["training"]["quant_bytes"]["value"] == 10100 + 2 * 101  # ⌈10,100 / 100⌉ groups


@pytest.mark.parametrize(
    "args, message",
    [
        (["--train", "adamx"], "--train takes sgd, momentum, adam, adamw, lion, not 'adamx'"),
        (["--train", "adam", "--precision", "fp8"], "--precision takes fp32, bf16-mixed, fp16-mixed, bf16"),
        (["--train", "adam", "--zero", "2"], "--zero shards over data-parallel devices: give --devices N"),
        (["--train", "adam", "--batch", "0"], "--batch takes a positive whole number, not 0"),
        (["--train", "adam", "--mfu", "1.5"], "--mfu is the share of peak FLOP/s reached, at most 1"),
        (["--train", "adam", "--tokens", "lots"], "--tokens takes a number such as 3e11, not 'lots'"),
        (["--train", "adam", "--device", "h1000"], "unknown device 'h1000' (closest: h100-sxm"),
        (["--train", "adam", "--lora", "r=8"], "--lora needs targets"),
        (["--devices", "8"], "--devices describes a training run: give --train"),
        (["--quantize", "int2"], "--quantize takes int8 or int4"),
        (["--train", "adam", "--tokens", "1e9", "--device", "t4"], "--device with --tokens needs --mfu"),
    ],
)
def test_bad_option_values_are_one_line_errors(args, message):
    result = run("count", "Input(3) -> Dense(4)", *args)
    assert result.exit_code == 2 and message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_a_device_without_the_precision_says_so():
    result = run("count", "Input(8) -> Dense(4)", "--train", "adam", "--precision", "bf16-mixed", "--tokens", "1e9",
                 "--device", "t4", "--mfu", "0.3")  # fmt: skip
    assert result.exit_code == 2 and "t4 has no bf16 figure" in result.output


def test_devices_lists_every_accelerator_with_its_datasheet():
    result = run("devices")
    assert result.exit_code == 0
    for name in ("a100-40gb", "a100-80gb", "h100-sxm", "h100-pcie", "h200-sxm", "l4", "t4", "v100-sxm2", "mi300x"):
        assert name in result.output
    rows = json.loads(run("devices", "--json").output)
    assert len(rows) == len(DEVICES) >= 11
    for row in rows:
        assert row["datasheet"]["url"].startswith("https://") and row["datasheet"]["title"]
        assert row["memory_bytes"] > 10**9 and row["peak_flops"]
    assert find_device("H100-SXM").peak["bf16"] == 989.5e12  # 1,979 TFLOPS with sparsity, halved


# ------------------------------------------------------------------------------------ the bank


def test_the_bank_asks_every_training_quantity():
    from quizgen.bank.loader import load_bank

    templates = [t for t in load_bank().templates.values() if t.topic == "training"]
    assert len(templates) >= 15
    asked = " ".join(t.quantity or "" for t in templates)
    for kind in (
        "gradient_bytes",
        "train_bytes",
        "train_peak_bytes",
        "max_batch",
        "zero=",
        "train_flops(",
        "train_flops_6nd",
        "flops_6nd_ratio",
        "train_time",
        "optimal_params",
        "optimal_tokens",
        "lora_params",
        "lora_share",
        "quant_bytes(int4",
        "quant_bytes(int8",
        "inference_bytes",
        "receptive_field",
    ):
        assert kind in asked, kind


def test_the_zero_mistakes_give_the_other_stages():
    answer = answer_for(PSI_7_5B, None, "pytorch", "train_bytes(adam, fp16-mixed, zero=1, devices=64)")
    wrongs = {w.name: w.value for w in answer.wrongs}
    assert answer.value == 31_406_250_000
    assert wrongs["zero_stages_confused"] == 16_640_625_000  # stage 2's figure
    assert wrongs["zero_shards_everything"] == 1_875_000_000  # stage 3's
    assert wrongs["zero_not_sharded"] == 120_000_000_000  # no ZeRO


def test_lora_on_dense_layers():
    from quizgen.counting.lora import lora_params

    model = count("Input(16) -> Dense(32) -> Dense(8)")
    # all-linear leaves the output head out, as PEFT does; naming the layers takes every one
    assert lora_params(model, parse_lora("r=2,targets=all-linear")).value == 2 * (16 + 32)
    assert lora_params(model, parse_lora("r=2,targets=dense")).value == 2 * (16 + 32) + 2 * (32 + 8)
    with pytest.raises(UsageError, match="no linear layer named q, v"):
        lora_params(model, parse_lora("r=2,targets=q_proj,v_proj"))


@settings(max_examples=200)
@given(st.sampled_from(["batch", "zero", "devices", "tokens", "device", "mfu", "lora", "budget"]), st.text(max_size=20))
def test_junk_option_values_give_one_line_errors(option, text):
    try:
        make_setup("adamw", "fp32", **{option: text})
    except UsageError as error:
        assert "\n" not in str(error)


def test_inference_memory_is_weights_and_a_kv_cache_a_sequence():
    spec = "Input(4096, 4096) -> LlamaDecoderLayer(4096, 32, 11008, layers=32)"
    answer = answer_for(spec, None, "pytorch", "inference_bytes(float16, batch=4)")
    cache = 2 * 32 * 32 * 128 * 4096 * 2  # K and V, layers, heads, head size, tokens, bytes: 2 GiB
    assert cache == 2**31
    assert answer.value == 2 * 6_476_267_520 + 4 * cache
    wrongs = {w.name: w.value for w in answer.wrongs}
    assert (
        wrongs["forgot_kv_cache"] == 2 * 6_476_267_520 and wrongs["kv_cache_one_sequence"] == 2 * 6_476_267_520 + cache
    )
