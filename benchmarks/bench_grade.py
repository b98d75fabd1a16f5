"""Benchmark: grade N submissions x 10 questions against a floor (read the CSV, compare integers).

Run: python benchmarks/bench_grade.py [--students 100000]
Reports the grading core (parse every answer, score, diagnose, grades.csv, item analysis) beside the
floor, their ratio (target: within 3x), peak memory of each (child processes), and how memory grows
from N/4 to N. The whole command (the key read from key.json as quizgen lays it out, two feedback
files per student, report) is measured separately, on N/10 students unless ``--feedback-students``
says otherwise, in one process and with ``--jobs 2``, each with its peak memory.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = 10


def synthetic_key(students: int) -> dict:
    rng = random.Random(7)
    key = {"assignment": "bench", "partial_credit": {"bias_convention": 0.5}, "students": []}
    for n in range(students):
        questions = []
        for q in range(QUESTIONS):
            h, i = rng.randint(2, 64), rng.randint(1, 32)
            answer = 4 * h * (i + h + 1)
            questions.append(
                {
                    "label": f"Q{q + 1}",
                    "type": "numeric",
                    "points": 1,
                    "answer": answer,
                    "tolerance": 0,
                    "title": "LSTM parameters",
                    "template_id": "lstm-layer-total",
                    "prompt": f"`LSTM({h})` on {i} features: how many parameters?",
                    "options": {},
                    "option_feedback": {},
                    "solution": [f"LSTM({h}): 4·{h}·({i}+{h}+1) = {answer}"],
                    "derivation": f"4·{h}·({i}+{h}+1) = {answer}",
                    "misconceptions": {
                        "forgot_bias": 4 * h * (i + h),
                        "bias_convention": 4 * h * (i + h + 2),
                        "only_recurrent_weights": 4 * h * h,
                        "lstm_three_gates": 3 * h * (i + h + 1),
                    },
                    "misconception_feedback": {
                        "forgot_bias": "fb",
                        "bias_convention": "bc",
                        "only_recurrent_weights": "or",
                        "lstm_three_gates": "g3",
                    },
                }
            )
        key["students"].append({"student_id": f"s{n:06d}", "name": "", "questions": questions})
    return key


def submissions(key: dict) -> bytes:
    rng = random.Random(8)
    lines = ["student_id," + ",".join(f"Q{q + 1}" for q in range(QUESTIONS))]
    for student in key["students"]:
        cells = []
        for q in student["questions"]:
            roll = rng.random()
            if roll < 0.6:
                cells.append(str(q["answer"]))
            elif roll < 0.9:
                cells.append(str(rng.choice(list(q["misconceptions"].values()))))
            else:
                cells.append(str(rng.randint(1, 99999)))
        lines.append(student["student_id"] + "," + ",".join(cells))
    return ("\n".join(lines) + "\n").encode()


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, ROOT); sys.path.insert(0, ROOT + "/benchmarks")
from bench_grade import synthetic_key, submissions
key = synthetic_key(N); data = submissions(key)
if MODE == "prepare":  # files for the next child, key.json laid out as quizgen writes it
    from pathlib import Path
    d = Path(FOLDER); (d / "s.csv").write_bytes(data)
    (d / "key.json").write_text(json.dumps(key, indent=1, sort_keys=True))
    raise SystemExit(0)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if MODE == "floor":
    import csv, io
    answers = {s["student_id"]: [q["answer"] for q in s["questions"]] for s in key["students"]}
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    next(reader); correct = 0
    for row in reader:
        expected = answers[row[0]]
        correct += sum(1 for cell, a in zip(row[1:], expected) if int(cell) == a)
elif MODE == "core":
    from quizgen.grading.run import grade_submissions, grades_csv
    from quizgen.grading.analysis import analyse
    outcome = grade_submissions(key, data)
    grades_csv(outcome); analyse(outcome.labels, outcome.results)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "setup_mb": base / 1024}))
"""


GRADE = r"""
import json, resource, shutil, sys, time
sys.path.insert(0, ROOT)
from pathlib import Path
from quizgen.grading.run import grade
d = Path(FOLDER); shutil.rmtree(d / "out", ignore_errors=True)
t = time.perf_counter(); grade(d / "key.json", d / "s.csv", d / "out", jobs=JOBS); seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(mode: str, n: int, folder: str = "") -> dict:
    code = CHILD.replace("ROOT", repr(str(ROOT))).replace("MODE", repr(mode)).replace("N)", f"{n})")
    code = code.replace("FOLDER", repr(folder))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1]) if mode != "prepare" else {}


def graded(folder: str, jobs: int) -> dict:
    """``quizgen grade`` on files written beforehand, in a process of its own (its own peak memory)."""
    code = GRADE.replace("ROOT", repr(str(ROOT))).replace("FOLDER", repr(folder)).replace("JOBS", str(jobs))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--feedback-students", type=int, default=None, help="for the whole command (default: N/10)")
    args = parser.parse_args()
    n = args.students
    whole = args.feedback_students or max(n // 10, 1)
    floor, core = child("floor", n), child("core", n)
    quarter = child("core", max(n // 4, 1))
    with tempfile.TemporaryDirectory() as folder:
        child("prepare", whole, folder)
        key_mb = (Path(folder) / "key.json").stat().st_size / 2**20
        full, full_two = graded(folder, 1), graded(folder, 2)
    print(
        json.dumps(
            {
                "submissions": n,
                "questions": QUESTIONS,
                "floor_seconds": round(floor["seconds"], 2),
                "core_seconds": round(core["seconds"], 2),
                "ratio": round(core["seconds"] / floor["seconds"], 2),
                "core_peak_mb": round(core["peak_mb"], 1),
                "core_setup_mb": round(core["setup_mb"], 1),
                "core_peak_mb_quarter": round(quarter["peak_mb"], 1),
                "core_setup_mb_quarter": round(quarter["setup_mb"], 1),
                "floor_peak_mb": round(floor["peak_mb"], 1),
                "full_with_feedback_students": whole,
                "full_key_json_mb": round(key_mb, 1),
                "full_with_feedback_seconds": round(full["seconds"], 2),
                "full_with_feedback_peak_mb": round(full["peak_mb"], 1),
                "full_with_feedback_seconds_jobs_2": round(full_two["seconds"], 2),
                "full_with_feedback_peak_mb_jobs_2": round(full_two["peak_mb"], 1),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
