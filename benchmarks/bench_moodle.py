"""1,000 Moodle XML variants of one LSTM count question against a bare jinja2 render of the same XML.

Target: within 2.5x. The floor renders, with plain jinja2, the same XML as quizgen's (the categories,
and for each variant its question with the prompt and worked solution as HTML, the diagram as a base64
file, every answer with its feedback, the catch-all) from views computed before the clock starts.
Run: python benchmarks/bench_moodle.py [--variants 1000]
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORY = """<question type="category"><category><text>{{ path }}</text></category><info format="html">\
<text><![CDATA[{{ info }}]]></text></info><idnumber>{{ ident }}</idnumber></question>
"""

QUESTION = """<question type="numerical">
<name><text>{{ q.name }}</text></name>
<questiontext format="html"><text><![CDATA[{{ q.prompt }}<p><img src="@@PLUGINFILE@@/{{ q.image }}" \
alt="{{ q.alt }}" /></p>]]></text><file name="{{ q.image }}" path="/" encoding="base64">{{ q.image_base64 }}</file>\
</questiontext>
<generalfeedback format="html"><text><![CDATA[{{ q.solution }}]]></text></generalfeedback>
<defaultgrade>1</defaultgrade>
<penalty>0.3333333</penalty><hidden>0</hidden>
<idnumber>{{ q.name }}</idnumber>
{% for a in q.answers %}<answer fraction="{{ a.fraction }}" format="plain_text"><text>{{ a.text }}</text>\
<tolerance>0</tolerance><feedback format="html"><text><![CDATA[{{ a.feedback }}]]></text></feedback></answer>
{% endfor %}<unitgradingtype>0</unitgradingtype><unitpenalty>0</unitpenalty><showunits>3</showunits>
<unitsleft>0</unitsleft>
<tags><tag><text>lstm-layer-total</text></tag></tags>
</question>
"""

CATCH_ALL = "Not right. Compare your count with the worked solution."


def _assignment(folder: Path, variants: int) -> Path:
    path = folder / "one.yaml"
    lines = ["title: One question", "salt: bench", f"variants: {variants}", "questions:", "  - {id: lstm-layer-total}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def _views(key: dict) -> list[dict]:
    """What the floor renders for each variant, made before its clock starts."""
    from quizgen.export.common import html_text
    from quizgen.render.pages import markdown_html, student_diagram

    views = []
    for student in key["students"]:
        q = student["questions"][0]
        answers = [{"fraction": 100, "text": q["answer"], "feedback": html_text("Correct: " + q["derivation"])}]
        answers += [
            {"fraction": 0, "text": v, "feedback": html_text(q["misconception_feedback"][n])}
            for n, v in sorted(q["misconceptions"].items(), key=lambda kv: kv[1])
        ]
        answers.append({"fraction": 0, "text": "*", "feedback": CATCH_ALL})
        svg = str(student_diagram(q["spec"], q["framework"], None))
        lines = "".join(f"<li>{html_text(line)}</li>" for line in q["solution"])
        views.append(
            {
                "name": f"lstm-layer-total-{student['student_id']}",
                "prompt": str(markdown_html(q["prompt"])),
                "image": f"lstm-layer-total-{student['student_id'].lower()}.svg",
                "alt": html_text(f"Architecture: {q['spec']}"),
                "image_base64": base64.b64encode(svg.encode()).decode(),
                "solution": f"<p><strong>Answer: {q['answer']:,}</strong> — {html_text(q['derivation'])}</p>"
                f"<ul>{lines}</ul>",
                "answers": answers,
            }
        )
    return views


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=1000)
    args = parser.parse_args()
    from jinja2 import Environment

    from quizgen.export.moodle import export
    from quizgen.export.sink import Sink
    from quizgen.publish.generate import key_for

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        assignment = _assignment(folder, args.variants)
        start = time.perf_counter()
        key = key_for(assignment)
        export(key, Sink(folder))
        quizgen_seconds = time.perf_counter() - start
        quizgen_bytes = (folder / "moodle.xml").stat().st_size

        views = _views(key)
        environment = Environment(autoescape=False)
        category, question = environment.from_string(CATEGORY), environment.from_string(QUESTION)
        start = time.perf_counter()
        with (folder / "floor.xml").open("w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
            out.write(category.render(path="top/One question", info="One question", ident="one-question"))
            out.write(category.render(path="top/One question/Q1", info="Draw one.", ident="one-question-q1"))
            for view in views:
                out.write(question.render(q=view))
            out.write("</quiz>\n")
        floor_seconds = time.perf_counter() - start
        floor_bytes = (folder / "floor.xml").stat().st_size
    print(
        json.dumps(
            {
                "variants": args.variants,
                "quizgen_seconds": round(quizgen_seconds, 3),
                "floor_seconds": round(floor_seconds, 3),
                "ratio": round(quizgen_seconds / floor_seconds, 2),
                "quizgen_kb_written": round(quizgen_bytes / 1024),
                "floor_kb_written": round(floor_bytes / 1024),
                "target_ratio": 2.5,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
