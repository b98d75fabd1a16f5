"""The Moodle backup (.mbz) unpacked and checked against what Moodle's restore reads.

What restore needs was read from Moodle 4.5's backup/restore code (backup_general_helper,
convert_helper::detect_moodle2_format, restore_dbops, restore_stepslib's question and quiz steps): the
files it opens, the first 200 bytes it sniffs, the one top category per context, the inforef that
lists the categories it creates, the random slots' filter and context, the files' content hashes."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lms_helpers import tar_members
from lxml import etree

from quizgen.cli import main
from quizgen.export import EXPORTERS
from quizgen.export.common import MOODLE_GRADES
from quizgen.export.sink import export_bytes
from quizgen.publish.generate import generate, key_for

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Files restore opens for a course backup with one quiz (missing: "Backup is missing XML file").
REQUIRED = [
    "moodle_backup.xml",
    "questions.xml",
    "roles.xml",
    "files.xml",
    "groups.xml",
    "scales.xml",
    "outcomes.xml",
    "course/course.xml",
    "course/roles.xml",
    "course/filters.xml",
    "course/calendar.xml",
]
ACTIVITY = ["quiz.xml", "module.xml", "inforef.xml", "grades.xml", "roles.xml", "filters.xml", "calendar.xml"]
INFORMATION = [
    "name",
    "moodle_version",
    "moodle_release",
    "backup_version",
    "backup_release",
    "backup_date",
    "mnet_remoteusers",
    "original_wwwroot",
    "original_site_identifier_hash",
    "original_course_id",
    "original_course_fullname",
    "original_course_shortname",
    "original_course_startdate",
    "original_course_contextid",
    "original_system_contextid",
]
IMMEDIATELY_AFTER = 0x01000


@pytest.fixture(scope="module")
def homework():
    key = key_for(EXAMPLES / "homework.yaml")
    (name, data), *rest = export_bytes(EXPORTERS["moodle-mbz"], key).items()
    assert name.endswith(".mbz") and not rest
    return key, data, tar_members(data)


def test_the_archive_is_a_deterministic_tar_gz_with_what_restore_opens(homework):
    _key, data, files = homework
    assert data[:2] == b"\x1f\x8b" and gzip.decompress(data)[257:262] == b"ustar"
    assert export_bytes(EXPORTERS["moodle-mbz"], key_for(EXAMPLES / "homework.yaml"))["moodle.mbz"] == data
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        members = archive.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert {m.mtime for m in members} == {1577836800} and {m.uid for m in members} == {0}
    backup = etree.fromstring(files["moodle_backup.xml"])
    (directory,) = backup.findall("information/contents/activities/activity/directory")
    assert directory.text.startswith("activities/quiz_")
    for name in REQUIRED + [f"{directory.text}/{n}" for n in ACTIVITY]:
        assert name in files, name
    for name, body in files.items():
        if name.endswith(".xml"):
            assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n'), name
            etree.fromstring(body)


def test_moodle_backup_xml_is_recognised_and_complete(homework):
    _, _, files = homework
    head = files["moodle_backup.xml"][:200].decode()
    # convert_helper::detect_moodle2_format: these three in the first 200 bytes
    assert head.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<moodle_backup>" in head and "<information>" in head
    info = etree.fromstring(files["moodle_backup.xml"]).find("information")
    for name in INFORMATION:
        assert info.find(name) is not None, name
    assert int(info.findtext("backup_version")) >= 2010072300
    detail = info.find("details/detail")
    assert (detail.findtext("type"), detail.findtext("format")) == ("course", "moodle2")
    roots = {
        s.findtext("name"): s.findtext("value")
        for s in info.findall("settings/setting")
        if s.findtext("level") == "root"
    }
    assert roots["activities"] == "1" and roots.get("users", "0") == "0"
    for section in info.findall("contents/sections/section"):
        assert f"{section.findtext('directory')}/section.xml" in files


def _categories(files):
    root = etree.fromstring(files["questions.xml"])
    return root, {c.get("id"): c for c in root.findall("question_category")}


def test_question_categories_one_top_and_every_one_listed_in_the_quiz_inforef(homework):
    _, _, files = homework
    _root, categories = _categories(files)
    tops = [c for c in categories.values() if c.findtext("parent") == "0"]
    assert len(tops) == 1 and tops[0].findtext("name") == "top"
    for c in categories.values():
        assert c.findtext("parent") == "0" or c.findtext("parent") in categories
        assert c.findtext("contextid") == tops[0].findtext("contextid")
    inforef = etree.fromstring(files["activities/quiz_1/inforef.xml"])
    assert {e.text for e in inforef.findall("question_categoryref/question_category/id")} == set(categories)
    stamps = [c.findtext("stamp") for c in categories.values()]
    assert len(set(stamps)) == len(stamps)


def test_the_quiz_has_the_homeworks_slots_marks_and_review_options(homework):
    _key, _, files = homework
    spec = yaml.safe_load((EXAMPLES / "homework.yaml").read_text())
    points = [float(q.get("points", 1)) for q in spec["questions"]]  # a pick counts once, 1 point by default
    assert (len(points), sum(points)) == (10, 14)
    _, categories = _categories(files)
    quiz = etree.fromstring(files["activities/quiz_1/quiz.xml"]).find("quiz")
    assert quiz.findtext("name") == spec["title"]
    instances = quiz.findall("question_instances/question_instance")
    assert [int(i.findtext("slot")) for i in instances] == list(range(1, 11))
    assert [float(i.findtext("maxmark")) for i in instances] == points
    assert float(quiz.findtext("sumgrades")) == 14 and float(quiz.findtext("grade")) == 14
    for number, instance in enumerate(instances, start=1):
        reference = instance.find("question_set_reference")
        assert reference is not None, "the homework's every slot draws from many students' variants"
        assert reference.findtext("questionarea") == "slot" and reference.findtext("component") == "mod_quiz"
        condition = json.loads(reference.findtext("filtercondition"))
        (category,) = condition["filter"]["category"]["values"]
        assert condition["filter"]["category"]["filteroptions"]["includesubcategories"] is True
        assert categories[str(category)].findtext("name").startswith(f"Q{number}. ")
        assert reference.findtext("questionscontextid") == categories[str(category)].findtext("contextid")
    pool = next(c for c in categories.values() if c.findtext("name").startswith("Q10. "))
    children = [c for c in categories.values() if c.findtext("parent") == pool.get("id")]
    assert len(children) == len(spec["questions"][-1]["from"])
    assert all(c.findall("question_bank_entries/question_bank_entry") for c in children)
    for field in ("reviewgeneralfeedback", "reviewrightanswer", "reviewmarks", "reviewspecificfeedback"):
        assert int(quiz.findtext(field)) & IMMEDIATELY_AFTER, field
    grade_item = etree.fromstring(files["activities/quiz_1/grades.xml"]).find("grade_items/grade_item")
    assert float(grade_item.findtext("grademax")) == 14


def _questions(files):
    root, _ = _categories(files)
    return {q.get("id"): q for q in root.iterfind(".//questions/question")}


def test_questions_are_what_restore_builds_from(homework):
    key, _, files = homework
    questions = _questions(files)
    entries = etree.fromstring(files["questions.xml"]).iter("question_bank_entry")
    assert all(len(e.findall("question_version/question_versions/questions/question")) == 1 for e in entries)
    grades = [pytest.approx(g / 100) for g in MOODLE_GRADES]
    clozes = 0
    for q in questions.values():
        qtype = q.findtext("qtype")
        plugin = q.find(f"plugin_qtype_{qtype}_question")
        assert plugin is not None, qtype
        answers = {a.get("id"): a for a in plugin.findall("answers/answer")}
        for a in answers.values():
            assert float(a.findtext("fraction")) in grades
        if qtype == "numerical":
            records = plugin.findall("numerical_records/numerical_record")
            assert {r.findtext("answer") for r in records} == set(answers)
            last = list(answers)[-1]  # any other number: "*", or in a Cloze part 0 give or take 1e300
            tolerance = next(float(r.findtext("tolerance")) for r in records if r.findtext("answer") == last)
            assert answers[last].findtext("answertext") == "*" or tolerance >= 1e300
            assert sum(float(a.findtext("fraction")) == 1 for a in answers.values()) == 1
        if qtype == "multianswer":
            clozes += 1
            sequence = plugin.findtext("multianswer/sequence").split(",")
            assert plugin.findtext("multianswer/question") == q.get("id")
            assert len(re.findall(r"\{#\d+\}", q.findtext("questiontext"))) == len(sequence)
            for sub in sequence:
                assert questions[sub].findtext("parent") == q.get("id")
        if q.findtext("parent") == "0":
            assert "Answer: " in q.findtext("generalfeedback")
    assert clozes == 3 * len(key["students"])  # Q1, Q2 and Q5 have parts


def test_files_are_in_the_pool_with_their_hash_and_question(homework):
    _, _, files = homework
    questions = _questions(files)
    listed = etree.fromstring(files["files.xml"]).findall("file")
    assert listed
    for f in listed:
        digest = f.findtext("contenthash")
        content = files[f"files/{digest[:2]}/{digest}"]
        assert hashlib.sha1(content).hexdigest() == digest and int(f.findtext("filesize")) == len(content)
        assert (f.findtext("component"), f.findtext("filearea"), f.findtext("filepath")) == (
            "question",
            "questiontext",
            "/",
        )
        text = questions[f.findtext("itemid")].findtext("questiontext")
        assert f"@@PLUGINFILE@@/{f.findtext('filename')}" in text


def test_a_question_of_one_variant_is_a_fixed_slot(tmp_path):
    assignment = tmp_path / "one.yaml"
    assignment.write_text(
        "title: One each\nsalt: s\nvariants: 1\nquestions:\n  - {id: lstm-layer-total, points: 2}\n"
        "  - {id: gru-breakdown}\n  - pick: 1\n    from: [lstm-weight-sets, lstm-overfits]\n"
    )
    files = tar_members(export_bytes(EXPORTERS["moodle-mbz"], key_for(assignment))["moodle.mbz"])
    entries = {e.get("id") for e in etree.fromstring(files["questions.xml"]).iter("question_bank_entry")}
    instances = etree.fromstring(files["activities/quiz_1/quiz.xml"]).findall(".//question_instance")
    kinds = [("fixed" if i.find("question_reference") is not None else "random") for i in instances]
    assert kinds == ["fixed", "fixed", "fixed"]  # one variant each; the pick drew one template
    for instance in instances:
        assert instance.findtext("question_reference/questionbankentryid") in entries
    assert [float(i.findtext("maxmark")) for i in instances] == [2, 3, 1]  # gru-breakdown: 3 parts of 1 point


def test_export_and_generate_write_the_backup(tmp_path):
    target = tmp_path / "hw.mbz"
    result = CliRunner().invoke(
        main, ["export", str(EXAMPLES / "homework.yaml"), "--format", "moodle-mbz", "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "moodle_backup.xml" in tar_members(target.read_bytes())
    generate(EXAMPLES / "homework.yaml", tmp_path / "out", formats=["moodle-mbz", "moodle"])
    assert sorted(p.name for p in (tmp_path / "out" / "lms").iterdir()) == ["moodle.mbz", "moodle.xml"]
