"""Counting a printed PyTorch model of 200,000 modules, against reading the same file's lines.

Target (README): counting takes at most 40 times as long as reading the file line by line, and
its peak memory stays under 40 times the file's size (a print is read line by line; identical
modules at paths that differ only in their numbers are counted as one row).
Run: python benchmarks/bench_torch_print.py [--modules 200000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

from quizgen.readers import count_model


def printed_model(modules: int) -> str:
    """A print with ``modules`` modules: blocks of five whose widths differ, so none collapses into ``N x``."""
    lines = ["Net(", "  (blocks): ModuleList("]
    for k in range(modules // 5):
        width = 8 + k % 500
        lines += [
            f"    ({k}): Block(",
            f"      (fc1): Linear(in_features={width}, out_features={2 * width}, bias=True)",
            "      (act): GELU(approximate='none')",
            f"      (fc2): Linear(in_features={2 * width}, out_features={width}, bias=False)",
            f"      (norm): LayerNorm(({width},), eps=1e-05, elementwise_affine=True)",
            "      (drop): Dropout(p=0.1, inplace=False)",
            "    )",
        ]
    lines += ["  )", ")"]
    return "\n".join(lines) + "\n"


def _best(make, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        make()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.txt"
        path.write_text(printed_model(args.modules), encoding="utf-8")
        size = path.stat().st_size
        reading = _best(lambda: [line.strip() for line in path.read_text(encoding="utf-8").splitlines()])
        counting = _best(lambda: count_model(path.read_text(encoding="utf-8"), "torch-print", str(path)))
        tracemalloc.start()
        counted = count_model(path.read_text(encoding="utf-8"), "torch-print", str(path))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(
        json.dumps(
            {
                "modules": args.modules,
                "file_bytes": size,
                "rows": len(counted.layers),
                "total": counted.total,
                "read_seconds": round(reading, 4),
                "count_seconds": round(counting, 4),
                "time_ratio": round(counting / reading, 1),
                "peak_memory_ratio": round(peak / size, 1),
                "target_ratio": 40,
                "met": counting / reading <= 40 and peak / size <= 40,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
