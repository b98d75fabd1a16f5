"""`quizgen count` as a whole process against a bare `python -c pass` of the same interpreter.

Target (README): the median difference of interleaved runs is at most 0.10 s, for a plain count and
for a count with a training run (``--train adamw … --device h100-sxm --mfu 0.4``).
Run: python benchmarks/bench_count.py [--runs 21]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SPEC = "Input(1) -> LSTM(20) -> LSTM(20) -> Dense(1)"
TRAIN = ["Input(64, 8) -> LSTM(20) -> LSTM(20) -> Dense(1)", "--train", "adamw", "--precision", "bf16-mixed"]
TRAIN += ["--zero", "2", "--devices", "8", "--tokens", "3e11", "--device", "h100-sxm", "--mfu", "0.4"]


# As a user's installation runs: with the bytecode cache that pip writes at install time.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    script = shutil.which("quizgen", path=str(Path(sys.executable).parent)) or "quizgen"
    count_cmd = [script, "count", SPEC]
    train_cmd = [script, "count", *TRAIN]
    bare_cmd = [sys.executable, "-c", "pass"]
    package = Path(__file__).resolve().parent.parent / "quizgen"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True, env=ENV)
    _timed(count_cmd), _timed(train_cmd), _timed(bare_cmd)  # warm the file and bytecode caches
    counts, trains, bares = [], [], []
    for _ in range(args.runs):
        counts.append(_timed(count_cmd))
        trains.append(_timed(train_cmd))
        bares.append(_timed(bare_cmd))
    count_median, bare_median = statistics.median(counts), statistics.median(bares)
    train_median = statistics.median(trains)
    print(
        json.dumps(
            {
                "runs": args.runs,
                "count_seconds": round(count_median, 4),
                "python_pass_seconds": round(bare_median, 4),
                "difference_seconds": round(count_median - bare_median, 4),
                "count_train_seconds": round(train_median, 4),
                "train_difference_seconds": round(train_median - bare_median, 4),
                "target_seconds": 0.10,
                "met": max(count_median, train_median) - bare_median <= 0.10,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
