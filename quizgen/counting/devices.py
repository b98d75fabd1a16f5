"""Accelerators a training run is timed on: peak dense FLOP/s per precision and memory, each row
from its vendor's datasheet (the figures without structured sparsity: datasheets that print the
sparse figure, marked with an asterisk, get half of it here)."""

from __future__ import annotations

from dataclasses import dataclass

from quizgen.counting.figure import quoted
from quizgen.errors import UsageError

TERA = 10**12
GB = 10**9
GIB = 2**30


@dataclass(frozen=True)
class Device:
    """One accelerator: ``peak`` maps a precision (fp32, tf32, bf16, fp16, int8) to dense FLOP/s."""

    name: str
    title: str
    memory_bytes: int
    memory_text: str
    peak: dict[str, float]
    source: str
    url: str

    def peak_for(self, precision: str) -> float:
        """Peak dense FLOP/s for a training precision (mixed precision runs on the 16-bit tensor cores)."""
        key = PRECISION_PEAK[precision]
        if key not in self.peak:
            have = ", ".join(sorted(self.peak))
            raise UsageError(f"--device {self.name} has no {key} figure in its datasheet (it has {have})")
        return self.peak[key]


PRECISION_PEAK = {"fp32": "fp32", "bf16-mixed": "bf16", "fp16-mixed": "fp16", "bf16": "bf16"}
"""Which peak a training precision runs at: fp32 on the plain FP32 units (PyTorch leaves TF32 off
for matrix products by default), the mixed and 16-bit precisions on the 16-bit tensor cores."""


def _tf(**figures: float) -> dict[str, float]:
    return {k: v * TERA for k, v in figures.items()}


_A100 = (
    "NVIDIA A100 Tensor Core GPU datasheet",
    "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf",
)
_H100 = (
    "NVIDIA H100 Tensor Core GPU datasheet",
    "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet",
)
_A100_PEAK = _tf(fp32=19.5, tf32=156, bf16=312, fp16=312, int8=624)

DEVICES: dict[str, Device] = {
    d.name: d
    for d in (
        Device("a100-40gb", "NVIDIA A100 SXM 40GB", 40 * GB, "40 GB HBM2", _A100_PEAK, *_A100),
        Device("a100-80gb", "NVIDIA A100 SXM 80GB", 80 * GB, "80 GB HBM2e", _A100_PEAK, *_A100),
        Device(
            "h100-sxm",
            "NVIDIA H100 SXM",
            80 * GB,
            "80 GB HBM3",
            _tf(fp32=67, tf32=494.5, bf16=989.5, fp16=989.5, fp8=1979, int8=1979),
            *_H100,
        ),
        Device(
            "h100-pcie",
            "NVIDIA H100 PCIe",
            80 * GB,
            "80 GB HBM2e",
            _tf(fp32=51, tf32=378, bf16=756.5, fp16=756.5, fp8=1513, int8=1513),
            *_H100,
        ),
        Device(
            "h200-sxm",
            "NVIDIA H200 SXM",
            141 * GB,
            "141 GB HBM3e",
            _tf(fp32=67, tf32=494.5, bf16=989.5, fp16=989.5, fp8=1979, int8=1979),
            "NVIDIA H200 Tensor Core GPU: specifications",
            "https://www.nvidia.com/en-us/data-center/h200/",
        ),
        Device(
            "l4",
            "NVIDIA L4",
            24 * GB,
            "24 GB GDDR6",
            _tf(fp32=30.3, tf32=60, bf16=121, fp16=121, fp8=242.5, int8=242.5),
            "NVIDIA L4 Tensor Core GPU: specifications",
            "https://www.nvidia.com/en-us/data-center/l4/",
        ),
        Device(
            "t4",
            "NVIDIA T4",
            16 * GB,
            "16 GB GDDR6",
            _tf(fp32=8.1, fp16=65, int8=130),
            "NVIDIA T4 Tensor Core GPU datasheet",
            "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/tesla-t4/t4-tensor-core-datasheet-951643.pdf",
        ),
        Device(
            "v100-sxm2",
            "NVIDIA V100 SXM2 32GB",
            32 * GB,
            "32 GB HBM2",
            _tf(fp32=15.7, fp16=125),
            "NVIDIA Tesla V100 GPU datasheet",
            "https://images.nvidia.com/content/technologies/volta/pdf/tesla-volta-v100-datasheet-letter-fnl-web.pdf",
        ),
        Device(
            "mi300x",
            "AMD Instinct MI300X",
            192 * GB,
            "192 GB HBM3",
            _tf(fp32=163.4, tf32=653.7, bf16=1307.4, fp16=1307.4, fp8=2614.9, int8=2614.9),
            "AMD Instinct MI300X Accelerator data sheet",
            "https://www.amd.com/content/dam/amd/en/documents/instinct-tech-docs/data-sheets/amd-instinct-mi300x-data-sheet.pdf",
        ),
        Device(
            "tpu-v4",
            "Google Cloud TPU v4 (one chip)",
            32 * GIB,
            "32 GiB HBM2",
            _tf(bf16=275, int8=275),
            "Google Cloud documentation: TPU v4",
            "https://cloud.google.com/tpu/docs/v4",
        ),
        Device(
            "tpu-v5e",
            "Google Cloud TPU v5e (one chip)",
            16 * GB,
            "16 GB HBM2",
            _tf(bf16=197, int8=393),
            "Google Cloud documentation: TPU v5e",
            "https://cloud.google.com/tpu/docs/v5e",
        ),
    )
}
"""Memory as the datasheet writes it: NVIDIA's and AMD's GB read as 10⁹ bytes, Google's GiB as 2³⁰."""


def find_device(name: str) -> Device:
    """The device called ``name`` (any case), or an error naming the closest names."""
    key = name.strip().lower()
    if key in DEVICES:
        return DEVICES[key]
    import difflib  # only for the error: a count that names a known device never loads it

    close = difflib.get_close_matches(key, list(DEVICES), n=3, cutoff=0.3)
    hint = f" (closest: {', '.join(close)})" if close else ""
    raise UsageError(f"unknown device {quoted(name)}{hint}; `quizgen devices` lists them")


def tflops(value: float) -> str:
    """``989.5`` for 989.5·10¹² FLOP/s."""
    return f"{value / TERA:g}"
