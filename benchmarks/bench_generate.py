"""Benchmark: generate the example homework for N students against a floor of bare Jinja renders.

Run: python benchmarks/bench_generate.py [--students 1000]
Reports seconds and peak memory (max RSS of a child process), the floor (the same number of
plain jinja2 renders of the same templates with pre-computed views, no instantiation, no files),
their ratio (target: within 3x), and how peak memory grows from N/4 to N students.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_assignment(folder: Path, students: int, formats: list[str]) -> Path:
    roster = folder / "roster.csv"
    with roster.open("w") as handle:
        handle.write("student_id,name\n")
        for n in range(1, students + 1):
            handle.write(f"s{n:05d},Student {n}\n")
    text = (ROOT / "examples" / "homework.yaml").read_text()
    text = re.sub(r"formats: \[.*\]", f"formats: [{', '.join(formats)}]", text)
    path = folder / "homework.yaml"
    path.write_text(text)
    return path


def run_child(students: int, formats: list[str], jobs: int = 1) -> dict[str, float]:
    code = (
        "import json, resource, sys, time, tempfile; from pathlib import Path;"
        f"sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'benchmarks')!r});"
        "from bench_generate import make_assignment; from quizgen.generate import generate;"
        "d = Path(tempfile.mkdtemp());"
        f"a = make_assignment(d, {students}, {formats!r});"
        f"t = time.perf_counter(); generate(a, d / 'out', secret_file=None, jobs={jobs}); s = time.perf_counter() - t;"
        "print(json.dumps({'seconds': s, 'max_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def floor_seconds(students: int, formats: list[str]) -> float:
    """Bare jinja2: the same templates rendered once per student and format from ready-made views."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from quizgen.assignment import load_assignment
    from quizgen.bank import load_bank
    from quizgen.build import build_quiz
    from quizgen.render import format_number, json_script, markdown_html, quiz_view

    with tempfile.TemporaryDirectory() as tmp:
        assignment = load_assignment(make_assignment(Path(tmp), 8, formats))
        bank = load_bank()
        quizzes = [build_quiz(assignment, bank, b"", s) for s in assignment.students]
        views = [(quiz_view(q, False), quiz_view(q, True)) for q in quizzes]
    env = Environment(
        loader=FileSystemLoader(str(ROOT / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(markdown=markdown_html, number=format_number, json_script=json_script)
    names = [f"{kind}.{fmt}" for fmt in ("md", "html") if fmt in formats for kind in ("quiz", "key")]
    templates = [env.get_template(n) for n in names]
    start = time.perf_counter()
    for n in range(students):
        student_view, key_view = views[n % len(views)]
        for name, template in zip(names, templates, strict=True):
            template.render(title="t", notice="", quiz=key_view if name.startswith("key") else student_view)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for generate")
    args = parser.parse_args()
    from quizgen.export import EXPORTERS

    formats = ["md", "html", *sorted(EXPORTERS)]
    full = run_child(args.students, formats, args.jobs)
    quarter = run_child(max(args.students // 4, 1), formats, args.jobs)
    floor = floor_seconds(args.students, formats)
    report = {
        "students": args.students,
        "jobs": args.jobs,
        "formats": formats,
        "generate_seconds": round(full["seconds"], 2),
        "floor_seconds": round(floor, 2),
        "ratio": round(full["seconds"] / floor, 2),
        "peak_rss_mb": round(full["max_rss_mb"], 1),  # the main process; workers are separate
        "peak_rss_mb_quarter_roster": round(quarter["max_rss_mb"], 1),
        "bench_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
