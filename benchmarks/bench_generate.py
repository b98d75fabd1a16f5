"""Benchmark: generate the example homework for N students against a floor of bare Jinja renders.

Run: python benchmarks/bench_generate.py [--students 1000] [--jobs 2]
Reports seconds and peak memory (max RSS of a child process), the floor, their ratio (target:
within 3x), and how peak memory grows from N/4 to N students (target: under 20 %).

The floor writes the same files with nothing but jinja2: each student's quiz and key (Markdown,
HTML) and, for every item of every student, the LMS documents (a Moodle question, a GIFT question,
a QTI 1.2 item in the Canvas zip, a QTI 2.1 item file in its zip, the diagrams beside them; and the
Moodle backup's question entry and file record, in a tar.gz with each diagram stored once), from
views made before the clock starts (prompt HTML, solution, each wrong number with its feedback,
the SVG): no counting, no instantiation, no LMS logic. The bytes both write are reported.
"""

from __future__ import annotations

import argparse
import io
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
        "import json, resource, shutil, sys, time, tempfile; from pathlib import Path;"
        f"sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'benchmarks')!r});"
        "from bench_generate import make_assignment; from quizgen.publish.generate import generate;"
        "d = Path(tempfile.mkdtemp());"
        f"a = make_assignment(d, {students}, {formats!r});"
        f"t = time.perf_counter(); generate(a, d / 'out', secret_file=None, jobs={jobs}); s = time.perf_counter() - t;"
        "size = sum(f.stat().st_size for f in (d / 'out').rglob('*') if f.is_file());"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024;"
        "worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024;"
        "shutil.rmtree(d);"
        "print(json.dumps({'seconds': s, 'bytes': size, 'max_rss_mb': rss, 'worker_rss_mb': worker}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


MOODLE = """<question type="{{ q.kind }}">
<name><text>{{ q.name }}</text></name>
<questiontext format="html"><text><![CDATA[{{ q.prompt }}]]></text>{% if q.image %}<file name="{{ q.image }}" \
path="/" encoding="base64">{{ q.image_base64 }}</file>{% endif %}</questiontext>
<generalfeedback format="html"><text><![CDATA[{{ q.solution }}]]></text></generalfeedback>
<defaultgrade>{{ q.points }}</defaultgrade><penalty>0.3333333</penalty><hidden>0</hidden>\
<idnumber>{{ q.name }}</idnumber>
{% for a in q.answers %}<answer fraction="{{ a.fraction }}" format="plain_text"><text>{{ a.text }}</text>\
<tolerance>0</tolerance><feedback format="html"><text><![CDATA[{{ a.feedback }}]]></text></feedback></answer>
{% endfor %}<tags><tag><text>{{ q.template }}</text></tag></tags>
</question>
"""
GIFT = """// [id:{{ q.name }}] [tag:{{ q.template }}]
::{{ q.title }}::[html]{{ q.prompt_gift }}{{ "{" }}{% if q.numeric %}#{% endif %}
{% for a in q.answers %}{% if loop.first %}={% else %}~%{{ a.fraction }}%{% endif %}{{ a.text }}#{{ a.feedback_gift }}
{% endfor %}####{{ q.solution_gift }}
{{ "}" }}

"""
QTI12 = """<item ident="{{ q.name }}" title="{{ q.title|e }}">
<itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>question_type</fieldlabel><fieldentry>{{ q.kind }}_question\
</fieldentry></qtimetadatafield><qtimetadatafield><fieldlabel>points_possible</fieldlabel><fieldentry>{{ q.points }}\
</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>
<presentation><material><mattext texttype="text/html">{{ q.prompt|e }}</mattext></material>
<response_str ident="response1" rcardinality="Single"><render_fib fibtype="Decimal"><response_label ident="answer1"/>\
</render_fib></response_str></presentation>
<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>
{% for a in q.answers %}<respcondition continue="No"><conditionvar>\
<varequal respident="response1">{{ a.text }}</varequal></conditionvar>\
<setvar action="Set" varname="SCORE">{{ a.fraction }}</setvar><displayfeedback feedbacktype="Response" \
linkrefid="{{ q.name }}-f{{ loop.index }}"/></respcondition>
{% endfor %}</resprocessing>
{% for a in q.answers %}<itemfeedback ident="{{ q.name }}-f{{ loop.index }}"><flow_mat><material>\
<mattext texttype="text/html">{{ a.feedback|e }}</mattext></material></flow_mat></itemfeedback>
{% endfor %}<itemfeedback ident="general_fb"><flow_mat><material><mattext texttype="text/html">{{ q.solution|e }}\
</mattext></material></flow_mat></itemfeedback>
</item>
"""
QTI21 = """<?xml version='1.0' encoding='utf-8'?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="{{ q.name }}" title="{{ q.title|e }}" \
adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="float">
    <correctResponse><value>{{ q.answers[0].text }}</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"><defaultValue><value>0</value>\
</defaultValue></outcomeDeclaration>
  <outcomeDeclaration identifier="FEEDBACK" cardinality="single" baseType="identifier"/>
  <itemBody>{{ q.prompt }}<p><textEntryInteraction responseIdentifier="RESPONSE" expectedLength="12"/></p></itemBody>
  <responseProcessing>
    <responseCondition>
{% for a in q.answers %}      <{{ "responseIf" if loop.first else "responseElseIf" }}>
        <equal toleranceMode="absolute" tolerance="0 0"><variable identifier="RESPONSE"/><baseValue baseType="float">\
{{ a.text }}</baseValue></equal>
        <setOutcomeValue identifier="SCORE"><baseValue baseType="float">{{ a.score }}</baseValue></setOutcomeValue>
        <setOutcomeValue identifier="FEEDBACK"><baseValue baseType="identifier">F{{ loop.index }}</baseValue>\
</setOutcomeValue>
      </{{ "responseIf" if loop.first else "responseElseIf" }}>
{% endfor %}    </responseCondition>
  </responseProcessing>
{% for a in q.answers %}  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="F{{ loop.index }}" showHide="show">\
<p>{{ a.feedback|e }}</p>{{ q.solution }}</modalFeedback>
{% endfor %}</assessmentItem>
"""
MBZ_QUESTION = """<question_bank_entry id="{{ n }}"><questioncategoryid>{{ category }}</questioncategoryid>\
<idnumber>{{ q.name }}</idnumber><ownerid>$@NULL@$</ownerid><question_version><question_versions id="{{ n }}">\
<version>1</version><status>ready</status><questions><question id="{{ n }}"><parent>0</parent><name>{{ q.name }}</name>\
<questiontext>{{ q.prompt|e }}</questiontext><questiontextformat>1</questiontextformat>\
<generalfeedback>{{ q.solution|e }}</generalfeedback><generalfeedbackformat>1</generalfeedbackformat>\
<defaultmark>{{ q.points }}</defaultmark><penalty>0.3333333</penalty><qtype>{{ q.kind }}</qtype><length>1</length>\
<stamp>quizgen+question{{ n }}</stamp><timecreated>0</timecreated><timemodified>0</timemodified>\
<createdby>$@NULL@$</createdby><modifiedby>$@NULL@$</modifiedby><plugin_qtype_{{ q.kind }}_question><answers>\
{% for a in q.answers %}<answer id="{{ n }}{{ loop.index }}"><answertext>{{ a.text|e }}</answertext><answerformat>0\
</answerformat><fraction>{{ a.fraction }}</fraction><feedback>{{ a.feedback|e }}</feedback><feedbackformat>1\
</feedbackformat></answer>{% endfor %}</answers>{% if q.numeric %}<numerical_records>{% for a in q.answers %}\
<numerical_record id="{{ n }}{{ loop.index }}"><answer>{{ n }}{{ loop.index }}</answer><tolerance>0</tolerance>\
</numerical_record>{% endfor %}</numerical_records>{% endif %}</plugin_qtype_{{ q.kind }}_question>\
<question_hints></question_hints><tags><tag id="{{ n }}"><name>{{ q.template }}</name>\
<rawname>{{ q.template }}</rawname></tag></tags></question></questions></question_versions></question_version>\
</question_bank_entry>
"""
MBZ_FILE = """<file id="{{ n }}"><contenthash>{{ digest }}</contenthash><contextid>2</contextid><component>question\
</component><filearea>questiontext</filearea><itemid>{{ n }}</itemid><filepath>/</filepath>\
<filename>{{ name }}</filename><userid>$@NULL@$</userid><filesize>{{ size }}</filesize>\
<mimetype>image/svg+xml</mimetype><status>0</status><timecreated>0</timecreated><timemodified>0</timemodified>\
<source>{{ name }}</source><author>$@NULL@$</author>\
<license>$@NULL@$</license><sortorder>0</sortorder><repositorytype>$@NULL@$</repositorytype><repositoryid>$@NULL@$\
</repositoryid><reference>$@NULL@$</reference></file>
"""
MANIFEST_RESOURCE = """<resource identifier="{{ q.name }}" type="imsqti_item_xmlv2p1" href="items/{{ q.name }}.xml">\
<file href="items/{{ q.name }}.xml"/>{% if q.image %}<file href="images/{{ q.image }}"/>{% endif %}</resource>
"""


def _lms_view(question: dict, student_id: str) -> dict:
    """What the floor's LMS templates print for one item, all of it worked out beforehand."""
    import base64

    from quizgen.export.common import Item, format_grade
    from quizgen.export.gift import escape

    item = Item(student_id, question)
    diagram = item.diagram
    answers = [{"fraction": 100, "score": 1, "text": str(question["answer"]), "feedback": "Correct."}]
    if item.numeric:
        answers += [
            {"fraction": 0, "score": 0, "text": str(value), "feedback": item.feedback_for(names)}
            for value, names in item.wrong_numbers()
        ]
    else:
        answers += [
            {"fraction": 0, "score": 0, "text": letter, "feedback": item.feedback_for(names)}
            for letter, names in item.letter_mistakes().items()
        ]
    for answer in answers:
        answer["feedback_gift"] = escape(answer["feedback"])
        answer["fraction"] = format_grade(answer["fraction"])
    prompt = item.prompt_html("@@PLUGINFILE@@/x.svg")
    return {
        "name": item.ident,
        "template": question["template_id"],
        "title": question["title"],
        "kind": "numerical" if item.numeric else "multichoice",
        "numeric": item.numeric,
        "points": question["points"],
        "prompt": prompt,
        "prompt_gift": escape(prompt),
        "solution": item.solution_html(),
        "solution_gift": escape(item.solution_text()),
        "answers": answers,
        "image": diagram[0] if diagram else "",
        "image_svg": diagram[1].encode() if diagram else b"",
        "image_base64": base64.b64encode(diagram[1].encode()).decode() if diagram else "",
    }


def floor_mbz(students: int, lms_views: list[list[dict]], out: Path) -> None:
    """The least a Moodle backup takes: questions.xml and files.xml rendered from the views into
    temporary files, each diagram stored once under its SHA-1, and all of it in a tar.gz."""
    import hashlib
    import tarfile

    from jinja2 import Environment

    xml = Environment(autoescape=False, trim_blocks=True)
    question, file_row = xml.from_string(MBZ_QUESTION), xml.from_string(MBZ_FILE)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    blobs: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        questions_path, files_path = Path(tmp, "questions.xml"), Path(tmp, "files.xml")
        with questions_path.open("w", encoding="utf-8") as questions, files_path.open("w", encoding="utf-8") as files:
            questions.write(head + '<question_categories>\n<question_category id="1"><question_bank_entries>\n')
            files.write(head + "<files>\n")
            number = 0
            for n in range(students):
                for q in lms_views[n % len(lms_views)]:
                    number += 1
                    questions.write(question.render(q=q, n=number, category=1))
                    if q["image"]:
                        data = q["image_svg"] + f"<!-- {n} -->".encode()  # each student's own diagram
                        digest = hashlib.sha1(data).hexdigest()
                        blobs[f"files/{digest[:2]}/{digest}"] = data
                        files.write(file_row.render(n=number, digest=digest, name=q["image"], size=len(data)))
            questions.write("</question_bank_entries></question_category>\n</question_categories>\n")
            files.write("</files>\n")
        with tarfile.open(out / "moodle.mbz", "w:gz", format=tarfile.USTAR_FORMAT) as archive:
            archive.add(files_path, "files.xml")
            for name in sorted(blobs):
                info = tarfile.TarInfo(name)
                info.size = len(blobs[name])
                archive.addfile(info, io.BytesIO(blobs[name]))
            archive.add(questions_path, "questions.xml")


def floor_seconds(students: int, formats: list[str], out: Path) -> tuple[float, int]:
    """Bare jinja2 writing the same files from ready-made views: (seconds, bytes written)."""
    import zipfile

    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from quizgen.bank.loader import load_bank
    from quizgen.quiz.assignment import load_assignment
    from quizgen.quiz.build import build_quiz, key_entry
    from quizgen.render.pages import format_number, json_script, markdown_html, quiz_view, student_diagram

    with tempfile.TemporaryDirectory() as tmp:
        assignment = load_assignment(make_assignment(Path(tmp), 8, formats))
        bank = load_bank()
        quizzes = [build_quiz(assignment, bank, b"", s) for s in assignment.students]
        views = [(quiz_view(q, False), quiz_view(q, True)) for q in quizzes]
        keys = [key_entry(q) for q in quizzes]
        lms_views = [[_lms_view(question, k["student_id"]) for question in k["questions"]] for k in keys]
        diagrams = [
            [str(student_diagram(q["spec"], q["framework"], None)) for q in k["questions"] if q.get("spec")]
            for k in keys
        ]
    env = Environment(
        loader=FileSystemLoader(str(ROOT / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(markdown=markdown_html, number=format_number, json_script=json_script)
    names = [f"{kind}.{fmt}" for fmt in ("md", "html") if fmt in formats for kind in ("quiz", "key")]
    templates = [env.get_template(n) for n in names]
    xml = Environment(autoescape=False, trim_blocks=True)
    moodle, gift, qti12, qti21, resource = (xml.from_string(t) for t in (MOODLE, GIFT, QTI12, QTI21, MANIFEST_RESOURCE))
    bodies = [("quizzes.html", env.get_template("quiz_body.html")), ("key.html", env.get_template("key_body.html"))]
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    combined = {name: (out / name).open("w", encoding="utf-8") for name in ("key.md", "quizzes.html", "key.html")}
    for n in range(students):
        student_view, key_view = views[n % len(views)]
        folder = out / "students" / f"s{n:05d}"
        folder.mkdir(parents=True)
        for name, template in zip(names, templates, strict=True):
            view = key_view if name.startswith("key") else student_view
            text = template.render(title="t", notice="", quiz=view)
            (folder / name).write_text(text, encoding="utf-8")
            if name == "key.md":
                combined["key.md"].write(text)
        for body, template in bodies:
            combined[body].write(template.render(quiz=key_view if body == "key.html" else student_view))
        (folder / "diagrams").mkdir()
        for k, svg in enumerate(diagrams[n % len(diagrams)]):
            (folder / "diagrams" / f"q{k + 1}.svg").write_text(svg, encoding="utf-8")
    with (out / "key.json").open("w", encoding="utf-8") as handle:
        entries = [keys[n % len(keys)] for n in range(students)]
        json.dump({"students": entries}, handle, indent=1, sort_keys=True, ensure_ascii=False)
    for handle in combined.values():
        handle.close()
    deflate = zipfile.ZIP_DEFLATED
    with (
        (out / "moodle.xml").open("w", encoding="utf-8") as moodle_out,
        (out / "quiz.gift").open("w", encoding="utf-8") as gift_out,
        zipfile.ZipFile(out / "qti12.zip", "w", deflate) as qti12_zip,
        zipfile.ZipFile(out / "qti21.zip", "w", deflate) as qti21_zip,
    ):
        moodle_out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
        manifest, images, seen = [], [], set()
        with qti12_zip.open("assessment.xml", "w") as raw:
            raw.write(b"<questestinterop><assessment><section>\n")
            for n in range(students):
                for q in lms_views[n % len(lms_views)]:
                    moodle_out.write(moodle.render(q=q))
                    gift_out.write(gift.render(q=q))
                    raw.write(qti12.render(q=q).encode())
                    qti21_zip.writestr(f"items/{q['name']}-{n}.xml", qti21.render(q=q))
                    manifest.append(resource.render(q=q))
                    image = f"images/{n}-{q['image']}"
                    if q["image"] and image not in seen:
                        seen.add(image)
                        images.append((image, q["image_svg"]))
                        qti21_zip.writestr(image, q["image_svg"])
            raw.write(b"</section></assessment></questestinterop>\n")
        for name, data in images:
            qti12_zip.writestr(name, data)
        resources = "".join(manifest)
        qti21_zip.writestr("imsmanifest.xml", f"<manifest><resources>\n{resources}</resources></manifest>\n")
        moodle_out.write("</quiz>\n")
    if "moodle-mbz" in formats:
        floor_mbz(students, lms_views, out)
    seconds = time.perf_counter() - start
    return seconds, sum(f.stat().st_size for f in out.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for generate")
    args = parser.parse_args()
    from quizgen.export import EXPORTERS

    formats = ["md", "html", *sorted(EXPORTERS)]
    full = run_child(args.students, formats, args.jobs)
    quarter = run_child(max(args.students // 4, 1), formats, args.jobs)
    with tempfile.TemporaryDirectory() as tmp:
        floor, floor_bytes = floor_seconds(args.students, formats, Path(tmp))
    report = {
        "students": args.students,
        "jobs": args.jobs,
        "formats": formats,
        "generate_seconds": round(full["seconds"], 2),
        "floor_seconds": round(floor, 2),
        "ratio": round(full["seconds"] / floor, 2),
        "generate_mb_written": round(full["bytes"] / 1e6, 1),
        "floor_mb_written": round(floor_bytes / 1e6, 1),
        "peak_rss_mb": round(full["max_rss_mb"], 1),  # the main process
        "peak_rss_mb_quarter_roster": round(quarter["max_rss_mb"], 1),
        "memory_growth_percent": round(100 * (full["max_rss_mb"] / quarter["max_rss_mb"] - 1), 1),
        "worker_peak_rss_mb": round(full["worker_rss_mb"], 1),  # the largest worker process (--jobs)
        "worker_peak_rss_mb_quarter_roster": round(quarter["worker_rss_mb"], 1),
        "bench_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
