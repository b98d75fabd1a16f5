"""The training and deployment section ``quizgen count`` prints under its table (and puts in its
JSON): each figure of design.md §11 with its working and convention."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from quizgen.counting.devices import DEVICES, tflops
from quizgen.counting.figure import Figure, number, scientific
from quizgen.counting.model import ModelCount
from quizgen.counting.quantize import Quantization, quant_bytes
from quizgen.counting.receptive_field import receptive_fields
from quizgen.counting.training import Setup, report

LABELS = {
    "lora_params": "LoRA adapters (trainable)",
    "lora_share": "adapters / base parameters",
    "weight_bytes": "weights",
    "gradient_bytes": "gradients",
    "optimizer_bytes": "master copy + optimizer states",
    "train_bytes": "static training memory",
    "activation_bytes": "activations of one sample",
    "train_peak_bytes": "peak memory",
    "max_batch": "largest batch that fits",
    "train_flops_step": "FLOPs of one step",
    "train_flops": "FLOPs of the run",
    "train_flops_6nd": "6·N·D",
    "flops_6nd_ratio": "6·N·D / exact",
    "train_time": "training time",
    "optimal_tokens": "compute-optimal tokens (20·N)",
    "quant_bytes": "quantized checkpoint",
}


QUIET = frozenset(
    {"weight_bytes", "gradient_bytes", "optimizer_bytes", "activation_bytes", "flops_6nd_ratio", "lora_share"}
)
"""Figures whose convention a neighbour's already states."""


def figures(model: ModelCount, setup: Setup | None, quantization: Quantization | None) -> list[Figure]:
    found: list[Figure] = []
    if setup is not None:
        for f in report(model, setup):
            step = f.name == "train_flops" and "a training step" in f.convention
            found.append(replace(f, name="train_flops_step") if step else f)
    if quantization is not None:
        found.append(quant_bytes(model, quantization))
    return found


def _human(f: Figure) -> str:
    if f.unit == "bytes" and isinstance(f.value, int):
        return f" ({f.value / 1e9:.4g} GB, {f.value / 2**30:.4g} GiB)" if f.value >= 10**6 else ""
    if f.unit == "FLOPs" and f.value >= 10**9:
        return f" ({scientific(f.value)})"
    if f.unit in ("tokens", "parameters") and f.value >= 10**9:
        return f" ({scientific(f.value)})"
    return ""


def section(model: ModelCount, setup: Setup | None, quantization: Quantization | None) -> str:
    """Lines under the table: a heading naming the setup, then one figure a line with its working."""
    lines = []
    if setup is not None:
        head = f"training: {setup.optimizer}, {setup.precision}, batch {setup.batch}"
        if setup.zero:
            head += f", ZeRO stage {setup.zero} over {setup.devices} devices (figures per device)"
        elif setup.devices > 1:
            head += f", {setup.devices} devices"
        if setup.lora is not None:
            head += f", LoRA {setup.lora}"
        if setup.tokens is not None:
            head += f", {number(setup.tokens)} tokens"
        if setup.device is not None:
            head += f", {setup.device}" + (f" at MFU {setup.mfu:g}" if setup.mfu is not None else "")
        lines.append(head)
    found = figures(model, setup, quantization)
    width = max((len(LABELS.get(f.name, f.name)) for f in found), default=0)
    for f in found:
        label = LABELS.get(f.name, f.name).ljust(width)
        if not f.working:
            lines.append(f"  {label}  {f.convention}")
            continue
        lines.append(f"  {label}  {f.text()} {f.unit}{_human(f)}")
    conventions = []
    for f in found:
        if f.name in QUIET or not f.working:
            continue
        if f.convention and f.convention not in conventions:
            conventions.append(f.convention)
    lines += [f"  convention: {c}" for c in conventions]
    return "\n".join(lines)


def training_json(model: ModelCount, setup: Setup | None, quantization: Quantization | None) -> dict[str, Any]:
    """The ``training`` object of ``count --json``: the setup, then each figure (value, unit,
    derivation, convention) under its quantity name."""
    out: dict[str, Any] = {}
    if setup is not None:
        out["setup"] = {
            "optimizer": setup.optimizer,
            "precision": setup.precision,
            "batch": setup.batch,
            "zero": setup.zero,
            "devices": setup.devices,
            "lora": None if setup.lora is None else {"r": setup.lora.rank, "targets": list(setup.lora.targets)},
            "tokens": setup.tokens,
            "device": setup.device,
            "mfu": setup.mfu,
        }
    if quantization is not None:
        out["quantization"] = {
            "format": quantization.format,
            "group": quantization.group,
            "zero_points": quantization.zero_points,
        }
    for f in figures(model, setup, quantization):
        out[f.name] = f.to_dict() if f.working else {"value": None, "unit": f.unit, "note": f.convention}
    return out


def field_column(model: ModelCount) -> list[str]:
    """Each layer's receptive field as ``9`` or ``9×5`` (empty past a layer that sees everything)."""
    return ["" if f is None else "×".join(map(str, f.size)) for f in receptive_fields(model)]


def field_json(model: ModelCount) -> list[list[int] | None]:
    return [None if f is None else list(f.size) for f in receptive_fields(model)]


def devices_text() -> str:
    """``quizgen devices``: name, memory, dense peaks, datasheet."""
    precisions = ("fp32", "tf32", "bf16", "fp16", "fp8", "int8")
    rows = [("name", "memory", *(f"{p} TFLOP/s" for p in precisions), "datasheet")]
    for d in DEVICES.values():
        peaks = tuple(tflops(d.peak[p]) if p in d.peak else "–" for p in precisions)
        rows.append((d.name, d.memory_text, *peaks, f"{d.source} <{d.url}>"))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=False)) + "  " + r[-1] for r in rows]
    lines.append("Peaks are dense (no structured sparsity); int8 in TOPS.")
    return "\n".join(line.rstrip() for line in lines)


def devices_json() -> list[dict[str, Any]]:
    return [
        {
            "name": d.name,
            "title": d.title,
            "memory_bytes": d.memory_bytes,
            "memory": d.memory_text,
            "peak_flops": dict(d.peak),
            "datasheet": {"title": d.source, "url": d.url},
        }
        for d in DEVICES.values()
    ]
