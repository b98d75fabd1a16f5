"""1,000 Moodle XML variants of one LSTM count question against a bare jinja2 render of the same XML.

Target (issue 12): within 2.5x. The floor renders, with plain jinja2, a question element of the same
shape as quizgen's for each variant, from views computed before the clock starts.
Run: python benchmarks/bench_moodle.py [--variants 1000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = """<question type="numerical">
<name><text>{{ q.name }}</text></name>
<questiontext format="html"><text><![CDATA[{{ q.prompt }}]]></text></questiontext>
<generalfeedback format="html"><text><![CDATA[{{ q.solution }}]]></text></generalfeedback>
<defaultgrade>1</defaultgrade><penalty>0.3333333</penalty><hidden>0</hidden><idnumber>{{ q.name }}</idnumber>
{% for a in q.answers %}<answer fraction="{{ a.fraction }}" format="plain_text"><text>{{ a.text }}</text>
<tolerance>0</tolerance><feedback format="html"><text><![CDATA[{{ a.feedback }}]]></text></feedback></answer>
{% endfor %}<tags><tag><text>lstm-layer-total</text></tag></tags>
</question>
"""


def _assignment(folder: Path, variants: int) -> Path:
    path = folder / "one.yaml"
    lines = ["title: One question", "salt: bench", f"variants: {variants}", "questions:", "  - {id: lstm-layer-total}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=1000)
    args = parser.parse_args()
    from jinja2 import Environment

    from quizgen.export.moodle import export
    from quizgen.export.sink import Sink
    from quizgen.generate import key_for

    temporary = tempfile.TemporaryDirectory()
    folder = Path(temporary.name)
    assignment = _assignment(folder, args.variants)
    start = time.perf_counter()
    key = key_for(assignment)
    export(key, Sink(folder))
    quizgen_seconds = time.perf_counter() - start

    views = []
    for student in key["students"]:
        q = student["questions"][0]
        answers = [{"fraction": 100, "text": q["answer"], "feedback": "Correct: " + q["derivation"]}]
        answers += [
            {"fraction": 0, "text": v, "feedback": q["misconception_feedback"][n]}
            for n, v in q["misconceptions"].items()
        ]
        views.append(
            {
                "name": student["student_id"],
                "prompt": q["prompt"],
                "solution": " ".join(q["solution"]),
                "answers": answers,
            }
        )
    template = Environment(autoescape=False).from_string(QUESTION)
    start = time.perf_counter()
    with (folder / "floor.xml").open("w") as out:
        for view in views:
            out.write(template.render(q=view))
    floor_seconds = time.perf_counter() - start
    temporary.cleanup()
    print(
        json.dumps(
            {
                "variants": args.variants,
                "quizgen_seconds": round(quizgen_seconds, 3),
                "floor_seconds": round(floor_seconds, 3),
                "ratio": round(quizgen_seconds / floor_seconds, 2),
                "target_ratio": 2.5,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
