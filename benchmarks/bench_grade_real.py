"""Benchmark: `quizgen grade` on a real key: the example homework generated for N students.

Run: python benchmarks/bench_grade_real.py [--students 2000] [--jobs 1]
The key is generated first (not timed), then submissions are written with 60 % right answers, 30 % a
mistake the key lists and 10 % another number; `grade` runs in a process of its own. Unlike the
synthetic key of bench_grade.py, every question here has its architecture, so a number no single
mistake explains is tried against pairs of mistakes, and the prompts are as varied as a class's.
Reports seconds, milliseconds per student and peak memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GRADE = r"""
import json, resource, sys, time
sys.path.insert(0, ROOT)
from pathlib import Path
from quizgen.grading.run import grade
d = Path(FOLDER)
t = time.perf_counter(); grade(d / "out" / "key.json", d / "s.csv", d / "graded", jobs=JOBS)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


PREPARE = r"""
import json, sys
sys.path.insert(0, ROOT); sys.path.insert(0, ROOT + "/benchmarks")
from pathlib import Path
from bench_generate import make_assignment
from bench_grade_real import write_submissions
from quizgen.publish.generate import generate
d = Path(FOLDER)
generate(make_assignment(d, STUDENTS, ["md"]), d / "out", secret_file=None)
key = json.loads((d / "out" / "key.json").read_text())
write_submissions(key, d / "s.csv")
print(json.dumps({"distinct_prompts": len({q["prompt"] for s in key["students"] for q in s["questions"]})}))
"""


def write_submissions(key: dict, path: Path) -> None:
    rng = random.Random(9)
    labels: dict[str, None] = {}
    for student in key["students"]:
        labels.update(dict.fromkeys(q["label"] for q in student["questions"]))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", *labels])
        for student in key["students"]:
            by_label = {q["label"]: q for q in student["questions"]}
            row = []
            for label in labels:
                q = by_label.get(label)
                roll = rng.random()
                if q is None:
                    row.append("")
                elif roll < 0.6 or (roll < 0.9 and not q["misconceptions"]):
                    row.append(str(q["answer"]))
                elif roll < 0.9:
                    row.append(str(rng.choice(list(q["misconceptions"].values()))))
                else:
                    row.append(str(rng.randint(10, 99999)))
            writer.writerow([student["student_id"], *row])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        # Prepared in a process of its own: a child's peak memory counts what its parent held when it
        # was started (Linux keeps the high-water mark across fork and exec).
        prepare = PREPARE.replace("ROOT", repr(str(ROOT))).replace("FOLDER", repr(name))
        prepare = prepare.replace("STUDENTS", str(args.students))
        out = subprocess.run([sys.executable, "-c", prepare], capture_output=True, text=True, check=True)
        distinct = json.loads(out.stdout.strip().splitlines()[-1])["distinct_prompts"]
        code = GRADE.replace("ROOT", repr(str(ROOT))).replace("FOLDER", repr(name)).replace("JOBS", str(args.jobs))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        graded = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            json.dumps(
                {
                    "students": args.students,
                    "jobs": args.jobs,
                    "key_json_mb": round((folder / "out" / "key.json").stat().st_size / 2**20, 1),
                    "distinct_prompts": distinct,
                    "grade_seconds": round(graded["seconds"], 2),
                    "ms_per_student": round(1000 * graded["seconds"] / args.students, 2),
                    "peak_mb": round(graded["peak_mb"], 1),
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
