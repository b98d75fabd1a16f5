"""Moodle backup (.mbz): a course holding the question bank and one quiz in the assignment's shape.

Restored with Moodle's own restore (4.5 and 5.x), the course has a question category per numbered
question (a pool's templates as its subcategories), every variant in it, and a quiz with one slot per
numbered question: a random slot over that category (subcategories included), or the question itself
when the category holds only one. Each slot's mark is the question's points, and the review options
show the marks, the right answer and the worked solution once the attempt is over.

The backup is written in Moodle 4.5's course-bank form (question categories in the course context),
which 5.x restores into a shared question bank of the course. Every id in it is our own, counted from
1; every time is TAR_DATE, so the bytes depend on the key alone."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from quizgen.export.common import FileSpool, Item, Variant, html_text, moodle_grade, number_text, slots_of, slug
from quizgen.export.moodle import CATCH_ALL, CLOZE_ANY_NUMBER, category_name, embedded, part_weights
from quizgen.export.sink import TAR_DATE, Sink
from quizgen.render.pages import markdown_html

NULL = "$@NULL@$"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'  # Moodle recognises a backup by this exact declaration
MOODLE_VERSION, MOODLE_RELEASE = "2024100700", "4.5"
SYSTEM_CONTEXT, COURSE_CONTEXT, QUIZ_CONTEXT = 1, 2, 3
COURSE, SECTION, MODULE, QUIZ = 1, 1, 1, 1
QUIZ_DIR = f"activities/quiz_{MODULE}"

# Review options are bit fields of when something is shown: during the attempt, immediately after
# it, later while the quiz is open, after it closes (mod/quiz/classes/question/display_options.php).
DURING, IMMEDIATELY, LATER, CLOSED = 0x10000, 0x01000, 0x00100, 0x00010
AFTER = IMMEDIATELY | LATER | CLOSED
REVIEW = {
    "reviewattempt": DURING | AFTER,
    "reviewcorrectness": AFTER,
    "reviewmaxmarks": DURING | AFTER,
    "reviewmarks": AFTER,
    "reviewspecificfeedback": AFTER,
    "reviewgeneralfeedback": AFTER,
    "reviewrightanswer": AFTER,
    "reviewoverallfeedback": AFTER,
}


def tag(name: str, value: object = "", **attrs: object) -> str:
    """One element with escaped text (a backup stores HTML as escaped text, not CDATA)."""
    text = value if isinstance(value, str) else str(value)
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    if not attrs:
        return f"<{name}>{text}</{name}>"
    attributes = "".join(f" {k}={quoteattr(str(v))}" for k, v in attrs.items())
    return f"<{name}{attributes}>{text}</{name}>"


def decimal(value: float) -> str:
    return f"{value:.7f}"


class Ids:
    """Ids of one kind of record, counted from 1."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last += 1
        return self.last


@dataclass
class Category:
    id: int
    name: str
    parent: int
    info: str
    idnumber: str | None


@dataclass
class QuizSlot:
    """A numbered question as the quiz holds it: its category and mark, and its only question's bank
    entry when it has one question (a fixed slot) rather than several (a random slot)."""

    number: int
    category: int
    mark: float
    entries: list[int] = field(default_factory=list)


class Bank:
    """questions.xml written a question at a time into a temporary file, with the ids it hands out;
    files.xml's rows likewise into ``files`` (a row per diagram shown, so neither grows in memory
    with the roster)."""

    def __init__(
        self, out: IO[str], files: IO[str], stamp: str, partial: dict[str, float], sink: Sink, spool: FileSpool
    ) -> None:
        self.out, self.files, self.stamp, self.partial, self.sink, self.spool = out, files, stamp, partial, sink, spool
        self.categories: list[Category] = []
        self.entries, self.versions, self.questions, self.answers = Ids(), Ids(), Ids(), Ids()
        self.records, self.options, self.tags, self.file_ids = Ids(), Ids(), Ids(), Ids()
        self._open = False

    def category(self, name: str, parent: int, info: str = "", idnumber: str | None = None) -> int:
        if self._open:
            self.out.write("</question_bank_entries></question_category>\n")
        number = len(self.categories) + 1
        self.categories.append(Category(number, name, parent, info, idnumber))
        self.out.write(
            f'<question_category id="{number}">'
            + tag("name", name)
            + tag("contextid", COURSE_CONTEXT)
            + tag("contextlevel", 50)
            + tag("contextinstanceid", COURSE)
            + tag("info", info)
            + tag("infoformat", 0)
            + tag("stamp", f"{self.stamp}+category{number}")
            + tag("parent", parent)
            + tag("sortorder", 999 if parent else 0)
            + tag("idnumber", NULL if idnumber is None else idnumber)
            + "<question_bank_entries>\n"
        )
        self._open = True
        return number

    def close(self) -> None:
        if self._open:
            self.out.write("</question_bank_entries></question_category>\n")
            self._open = False

    def entry(self, category: int, idnumber: str | None, question: str) -> int:
        """A bank entry with its one version holding ``question`` (its XML); the entry's id."""
        number = self.entries.next()
        self.out.write(
            f'<question_bank_entry id="{number}">'
            + tag("questioncategoryid", category)
            + tag("idnumber", NULL if idnumber is None else idnumber)
            + tag("ownerid", NULL)
            + f'<question_version><question_versions id="{self.versions.next()}">'
            + tag("version", 1)
            + tag("status", "ready")
            + "<questions>"
            + question
            + "</questions></question_versions></question_version></question_bank_entry>\n"
        )
        return number

    def question(
        self,
        qid: int,
        qtype: str,
        name: str,
        text: str,
        feedback: str,
        mark: float,
        plugin: str,
        parent: int = 0,
        tags: tuple[str, ...] = (),
    ) -> str:
        """A question's XML (its id handed out by the caller, so that its files can name it)."""
        labels = "".join(
            f'<tag id="{self.tags.next()}">' + tag("name", t.lower()) + tag("rawname", t) + "</tag>" for t in tags
        )
        return (
            f'<question id="{qid}">'
            + tag("parent", parent)
            + tag("name", name)
            + tag("questiontext", text)
            + tag("questiontextformat", 1)
            + tag("generalfeedback", feedback)
            + tag("generalfeedbackformat", 1)
            + tag("defaultmark", decimal(mark))
            + tag("penalty", "0.3333333" if not parent else "0.0000000")
            + tag("qtype", qtype)
            + tag("length", 1)
            + tag("stamp", f"{self.stamp}+question{qid}")
            + tag("timecreated", TAR_DATE)
            + tag("timemodified", TAR_DATE)
            + tag("createdby", NULL)
            + tag("modifiedby", NULL)
            + f"<plugin_qtype_{qtype}_question>{plugin}</plugin_qtype_{qtype}_question>"
            + "<question_hints></question_hints>"
            + f"<tags>{labels}</tags>"
            + "</question>"
        )

    def answer(self, text: str, fraction: float, feedback: str, answer_format: int = 0) -> tuple[int, str]:
        number = self.answers.next()
        return number, (
            f'<answer id="{number}">'
            + tag("answertext", text)
            + tag("answerformat", answer_format)
            + tag("fraction", decimal(fraction / 100))
            + tag("feedback", feedback)
            + tag("feedbackformat", 1)
            + "</answer>"
        )

    def numerical(self, item: Item, catch_all: str, any_number: tuple[str, str] = ("*", "0")) -> str:
        """The numerical plugin block: the right answer, each scored mistake, then any other number
        (``*``; in a Cloze part the number and tolerance its code has, as Moodle would read them)."""
        q = item.question
        tolerance = number_text(q["tolerance"])
        rows = [(number_text(q["answer"]), 100.0, html_text(f"Correct: {q['derivation']}"), tolerance)]
        for mistake in item.scored_mistakes(self.partial, self.sink):
            credit = moodle_grade(mistake.credit, f"{q['template_id']} {', '.join(mistake.names)}", self.sink)
            rows.append((number_text(mistake.value), credit, html_text(mistake.feedback), tolerance))
        rows.append((any_number[0], 0.0, html_text(catch_all), any_number[1]))
        answers, records = [], []
        for text, fraction, feedback, tol in rows:
            number, xml = self.answer(text, fraction, feedback)
            answers.append(xml)
            records.append(
                f'<numerical_record id="{self.records.next()}">' + tag("answer", number) + tag("tolerance", tol)
            )
            records[-1] += "</numerical_record>"
        option = (
            f'<numerical_option id="{self.options.next()}">'
            + tag("showunits", 3)
            + tag("unitsleft", 0)
            + tag("unitgradingtype", 0)
            + tag("unitpenalty", "0.1000000")
            + "</numerical_option>"
        )
        return (
            f"<answers>{''.join(answers)}</answers><numerical_units></numerical_units>"
            f"<numerical_options>{option}</numerical_options><numerical_records>{''.join(records)}</numerical_records>"
        )

    def multichoice(self, item: Item, dropdown: bool = False) -> str:
        """The multichoice plugin block: every option with its credit and feedback, in the key's order."""
        q = item.question
        answers = []
        for letter, text in q["options"].items():
            fraction = moodle_grade(
                item.option_credit(letter, self.partial), f"{q['template_id']} option {text!r}", self.sink
            )
            answers.append(
                self.answer(html_text(text), fraction, html_text(q["option_feedback"].get(letter, "")), 1)[1]
            )
        options = (
            f'<multichoice id="{self.options.next()}">'
            + tag("layout", 0)
            + tag("single", 1)
            + tag("shuffleanswers", 0)
            + tag("correctfeedback", "" if dropdown else "Correct.")
            + tag("correctfeedbackformat", 1)
            + tag("partiallycorrectfeedback", "" if dropdown else "Partly right.")
            + tag("partiallycorrectfeedbackformat", 1)
            + tag("incorrectfeedback", "" if dropdown else "Not right: see the worked solution.")
            + tag("incorrectfeedbackformat", 1)
            + tag("answernumbering", "none" if dropdown else "ABCD")
            + tag("shownumcorrect", 0 if dropdown else 1)
            + tag("showstandardinstruction", 0)
            + "</multichoice>"
        )
        return f"<answers>{''.join(answers)}</answers>{options}"

    def diagram(self, item: Item, qid: int) -> str | None:
        """The ``@@PLUGINFILE@@`` source of the item's diagram, kept as a file of question ``qid``."""
        if item.diagram is None:
            return None
        name, svg = item.diagram
        data = svg.encode()
        digest = hashlib.sha1(data).hexdigest()
        self.spool.add(f"files/{digest[:2]}/{digest}", data)
        self.files.write(file_row(self.file_ids.next(), qid, name, digest, len(data)) + "\n")
        return f"@@PLUGINFILE@@/{name}"

    def single(self, category: int, item: Item) -> int:
        qid = self.questions.next()
        plugin = self.numerical(item, CATCH_ALL) if item.numeric else self.multichoice(item)
        question = self.question(
            qid,
            "numerical" if item.numeric else "multichoice",
            item.ident,
            item.prompt_html(self.diagram(item, qid)),
            item.solution_html(),
            float(item.question["points"]),
            plugin,
            tags=(item.question["template_id"],),
        )
        return self.entry(category, item.ident, question)

    def cloze(self, category: int, variant: Variant) -> int:
        """A multi-part variant as one Cloze (multianswer) question: its text with a ``{#n}`` per
        part, each part a sub-question of its own (numerical or drop-down multichoice)."""
        qid = self.questions.next()
        first = variant.items[0]
        pieces = [first.prompt_html(self.diagram(first, qid), include_prompt=False)]
        weights = part_weights(variant.items)
        subquestions = []
        for n, (item, weight) in enumerate(zip(variant.items, weights, strict=True), start=1):
            part = re.sub(r"^Q\d+", "", item.label)
            prompt = markdown_html(item.question["prompt"])
            pieces.append(f"<div><p><strong>({part})</strong></p>{prompt}<p>{{#{n}}}</p></div>")
            sub = self.questions.next()
            if item.numeric:
                value, tolerance = CLOZE_ANY_NUMBER.split(":")
                plugin = self.numerical(item, "Not right. " + item.solution_text(), (value, tolerance))
            else:
                plugin = self.multichoice(item, dropdown=True)
            code = embedded(item, weight, self.partial)
            kind = "numerical" if item.numeric else "multichoice"
            subquestions.append((sub, self.question(sub, kind, variant.ident, code, "", weight, plugin, parent=qid)))
        sequence = ",".join(str(sub) for sub, _ in subquestions)
        plugin = (
            f'<answers></answers><multianswer id="{self.options.next()}">'
            + tag("question", qid)
            + tag("sequence", sequence)
            + "</multianswer>"
        )
        solution = "".join(item.solution_html() for item in variant.items)
        parent = self.question(
            qid,
            "multianswer",
            variant.ident,
            "".join(pieces),
            solution,
            sum(weights),
            plugin,
            tags=(variant.template_id,),
        )
        number = self.entry(category, variant.ident, parent)
        for _, xml in subquestions:
            self.entry(category, None, xml)
        return number


def write_bank(
    out: IO[str], files: IO[str], key: dict[str, Any], sink: Sink, stamp: str, spool: FileSpool
) -> tuple[Bank, list[QuizSlot]]:
    """questions.xml: the course's top category, the assignment's, a category per numbered question
    (named as the other Moodle exports name it) and a pool's templates under it; every variant.
    files.xml: a row per diagram file of a question's text."""
    bank = Bank(out, files, stamp, key.get("partial_credit", {}), sink, spool)
    out.write(HEAD + "<question_categories>\n")
    files.write(HEAD + "<files>\n")
    top = bank.category("top", 0)
    base = bank.category(category_name(key["assignment"]), top, escape(key["assignment"]), slug(key["assignment"]))
    slots = []
    for slot in slots_of(key):
        info = "Draw one question at random from this category, including subcategories."
        own = bank.category(category_name(slot.title), base, info, f"{slug(key['assignment'])}-q{slot.number}")
        quiz_slot = QuizSlot(slot.number, own, slot.points)
        for template_id, variants in slot.templates.items():
            category = own
            if slot.pool:
                category = bank.category(
                    category_name(variants[0].title),
                    own,
                    f"Variants of {variants[0].title}.",
                    f"{slug(key['assignment'])}-q{slot.number}-{slug(template_id)}",
                )
            for variant in variants:
                if variant.multi_part:
                    quiz_slot.entries.append(bank.cloze(category, variant))
                else:
                    quiz_slot.entries.append(bank.single(category, variant.items[0]))
        slots.append(quiz_slot)
    bank.close()
    out.write("</question_categories>\n")
    files.write("</files>\n")
    return bank, slots


def quiz_xml(title: str, slots: list[QuizSlot]) -> str:
    total = sum(s.mark for s in slots)
    settings = {
        "name": title,
        "intro": "",
        "introformat": 1,
        "timeopen": 0,
        "timeclose": 0,
        "timelimit": 0,
        "overduehandling": "autosubmit",
        "graceperiod": 0,
        "preferredbehaviour": "deferredfeedback",
        "canredoquestions": 0,
        "attempts_number": 0,
        "attemptonlast": 0,
        "grademethod": 1,
        "decimalpoints": 2,
        "questiondecimalpoints": -1,
        **REVIEW,
        "questionsperpage": 1,
        "navmethod": "free",
        "shuffleanswers": 1,
        "sumgrades": f"{total:.5f}",
        "grade": f"{total:.5f}",
        "timecreated": TAR_DATE,
        "timemodified": TAR_DATE,
        "password": "",
        "subnet": "",
        "browsersecurity": "-",
        "delay1": 0,
        "delay2": 0,
        "showuserpicture": 0,
        "showblocks": 0,
        "completionattemptsexhausted": 0,
        "completionminattempts": 0,
        "allowofflineattempts": 0,
    }
    instances = []
    for n, slot in enumerate(slots, start=1):
        if len(slot.entries) == 1:
            reference = (
                f'<question_reference id="{n}">'
                + tag("usingcontextid", QUIZ_CONTEXT)
                + tag("component", "mod_quiz")
                + tag("questionarea", "slot")
                + tag("questionbankentryid", slot.entries[0])
                + tag("version", NULL)
                + "</question_reference>"
            )
        else:
            condition = {
                "filter": {
                    "category": {
                        "jointype": 1,
                        "values": [slot.category],
                        "filteroptions": {"includesubcategories": True},
                    }
                }
            }
            reference = (
                f'<question_set_reference id="{n}">'
                + tag("usingcontextid", QUIZ_CONTEXT)
                + tag("component", "mod_quiz")
                + tag("questionarea", "slot")
                + tag("questionscontextid", COURSE_CONTEXT)
                + tag("filtercondition", json.dumps(condition, separators=(",", ":")))
                + "</question_set_reference>"
            )
        instances.append(
            f'<question_instance id="{n}">'
            + tag("quizid", QUIZ)
            + tag("slot", n)
            + tag("page", n)
            + tag("displaynumber", NULL)
            + tag("requireprevious", 0)
            + tag("maxmark", decimal(slot.mark))
            + tag("quizgradeitemid", NULL)
            + reference
            + "</question_instance>"
        )
    feedback = (
        '<feedback id="1">'
        + tag("feedbacktext", "")
        + tag("feedbacktextformat", 1)
        + tag("mingrade", "0.00000")
        + tag("maxgrade", f"{total + 1:.5f}")
        + "</feedback>"
    )
    section = '<section id="1">' + tag("firstslot", 1) + tag("heading", "") + tag("shufflequestions", 0) + "</section>"
    return (
        HEAD
        + f'<activity id="{QUIZ}" moduleid="{MODULE}" modulename="quiz" contextid="{QUIZ_CONTEXT}">\n'
        + f'<quiz id="{QUIZ}">'
        + "".join(tag(k, v) for k, v in settings.items())
        + "<quiz_grade_items></quiz_grade_items>\n<question_instances>\n"
        + "\n".join(instances)
        + "\n</question_instances>\n"
        + f"<sections>{section}</sections><feedbacks>{feedback}</feedbacks>"
        + "<overrides></overrides><grades></grades><attempts></attempts>"
        + "</quiz>\n</activity>\n"
    )


def grades_xml(title: str, total: float) -> str:
    item = {
        "categoryid": NULL,
        "itemname": title,
        "itemtype": "mod",
        "itemmodule": "quiz",
        "iteminstance": QUIZ,
        "itemnumber": 0,
        "iteminfo": NULL,
        "idnumber": "",
        "calculation": NULL,
        "gradetype": 1,
        "grademax": f"{total:.5f}",
        "grademin": "0.00000",
        "scaleid": NULL,
        "outcomeid": NULL,
        "gradepass": "0.00000",
        "multfactor": "1.00000",
        "plusfactor": "0.00000",
        "aggregationcoef": "0.00000",
        "aggregationcoef2": "0.00000",
        "weightoverride": 0,
        "sortorder": 1,
        "display": 0,
        "decimals": NULL,
        "hidden": 0,
        "locked": 0,
        "locktime": 0,
        "needsupdate": 0,
        "timecreated": TAR_DATE,
        "timemodified": TAR_DATE,
    }
    return (
        HEAD
        + '<activity_gradebook><grade_items><grade_item id="1">'
        + "".join(tag(k, v) for k, v in item.items())
        + "<grade_grades></grade_grades></grade_item></grade_items>"
        + "<grade_letters></grade_letters></activity_gradebook>\n"
    )


def module_xml() -> str:
    fields = {
        "modulename": "quiz",
        "sectionid": SECTION,
        "sectionnumber": 0,
        "idnumber": "",
        "added": TAR_DATE,
        "score": 0,
        "indent": 0,
        "visible": 1,
        "visibleoncoursepage": 1,
        "visibleold": 1,
        "groupmode": 0,
        "groupingid": 0,
        "completion": 0,
        "completiongradeitemnumber": NULL,
        "completionpassgrade": 0,
        "completionview": 0,
        "completionexpected": 0,
        "availability": NULL,
        "showdescription": 0,
        "downloadcontent": 1,
        "lang": "",
    }
    return (
        HEAD
        + f'<module id="{MODULE}" version="2024100700">'
        + "".join(tag(k, v) for k, v in fields.items())
        + "<tags></tags></module>\n"
    )


def inforef_xml(categories: list[Category]) -> str:
    """What the quiz refers to: its grade item and every question category (restore creates only the
    categories some inforef lists)."""
    refs = "".join(f"<question_category><id>{c.id}</id></question_category>" for c in categories)
    return (
        HEAD
        + "<inforef><grade_itemref><grade_item><id>1</id></grade_item></grade_itemref>"
        + f"<question_categoryref>{refs}</question_categoryref></inforef>\n"
    )


def course_xml(title: str, shortname: str) -> str:
    fields = {
        "shortname": shortname,
        "fullname": title,
        "idnumber": "",
        "summary": "",
        "summaryformat": 1,
        "format": "topics",
        "showgrades": 1,
        "newsitems": 0,
        "startdate": TAR_DATE,
        "enddate": 0,
        "marker": 0,
        "maxbytes": 0,
        "legacyfiles": 0,
        "showreports": 0,
        "visible": 1,
        "groupmode": 0,
        "groupmodeforce": 0,
        "defaultgroupingid": 0,
        "lang": "",
        "theme": "",
        "timecreated": TAR_DATE,
        "timemodified": TAR_DATE,
        "requested": 0,
        "showactivitydates": 1,
        "showcompletionconditions": NULL,
        "pdfexportfont": NULL,
        "enablecompletion": 0,
        "completionstartonenrol": 0,
        "completionnotify": 0,
    }
    return (
        HEAD
        + f'<course id="{COURSE}" contextid="{COURSE_CONTEXT}">'
        + "".join(tag(k, v) for k, v in fields.items())
        + '<category id="1">'
        + tag("name", "Miscellaneous")
        + tag("description", NULL)
        + "</category><tags></tags><customfields></customfields><courseformatoptions></courseformatoptions></course>\n"
    )


def section_xml() -> str:
    fields = {
        "number": 0,
        "name": NULL,
        "summary": "",
        "summaryformat": 1,
        "sequence": MODULE,
        "visible": 1,
        "availabilityjson": NULL,
        "component": NULL,
        "itemid": NULL,
        "timemodified": TAR_DATE,
    }
    return HEAD + f'<section id="{SECTION}">' + "".join(tag(k, v) for k, v in fields.items()) + "</section>\n"


def file_row(number: int, question: int, name: str, digest: str, size: int) -> str:
    """files.xml's record of a file of question ``question``'s text (its content is stored once
    under its SHA-1 ``digest``, however many questions show it)."""
    fields = {
        "contenthash": digest,
        "contextid": COURSE_CONTEXT,
        "component": "question",
        "filearea": "questiontext",
        "itemid": question,
        "filepath": "/",
        "filename": name,
        "userid": NULL,
        "filesize": size,
        "mimetype": "image/svg+xml",
        "status": 0,
        "timecreated": TAR_DATE,
        "timemodified": TAR_DATE,
        "source": name,
        "author": NULL,
        "license": NULL,
        "sortorder": 0,
        "repositorytype": NULL,
        "repositoryid": NULL,
        "reference": NULL,
    }
    return f'<file id="{number}">' + "".join(tag(k, v) for k, v in fields.items()) + "</file>"


def backup_xml(title: str, shortname: str, filename: str, site: str) -> str:
    information = {
        "name": filename,
        "moodle_version": MOODLE_VERSION,
        "moodle_release": MOODLE_RELEASE,
        "backup_version": MOODLE_VERSION,
        "backup_release": MOODLE_RELEASE,
        "backup_date": TAR_DATE,
        "mnet_remoteusers": 0,
        "include_files": 1,
        "include_file_references_to_external_content": 0,
        "original_wwwroot": "https://quizgen.invalid",
        "original_site_identifier_hash": site,
        "original_course_id": COURSE,
        "original_course_format": "topics",
        "original_course_fullname": title,
        "original_course_shortname": shortname,
        "original_course_startdate": TAR_DATE,
        "original_course_enddate": 0,
        "original_course_contextid": COURSE_CONTEXT,
        "original_system_contextid": SYSTEM_CONTEXT,
    }
    details = (
        f'<details><detail backup_id="{site[:32]}">'
        + tag("type", "course")
        + tag("format", "moodle2")
        + tag("interactive", 1)
        + tag("mode", 10)
        + tag("execution", 1)
        + tag("executiontime", 0)
        + "</detail></details>"
    )
    contents = (
        "<contents><activities><activity>"
        + tag("moduleid", MODULE)
        + tag("sectionid", SECTION)
        + tag("modulename", "quiz")
        + tag("title", title)
        + tag("directory", QUIZ_DIR)
        + tag("insubsection", "")
        + "</activity></activities><sections><section>"
        + tag("sectionid", SECTION)
        + tag("title", "0")
        + tag("directory", f"sections/section_{SECTION}")
        + tag("parentcmid", "")
        + tag("modname", "")
        + "</section></sections><course>"
        + tag("courseid", COURSE)
        + tag("title", shortname)
        + tag("directory", "course")
        + "</course></contents>"
    )
    root = {
        "filename": filename,
        "imscc11": 0,
        "users": 0,
        "anonymize": 0,
        "role_assignments": 0,
        "activities": 1,
        "blocks": 0,
        "files": 1,
        "filters": 0,
        "comments": 0,
        "badges": 0,
        "calendarevents": 0,
        "userscompletion": 0,
        "logs": 0,
        "grade_histories": 0,
        "questionbank": 1,
        "groups": 0,
        "competencies": 0,
        "customfield": 0,
        "contentbankcontent": 0,
        "xapistate": 0,
        "legacyfiles": 0,
    }
    settings = "".join(
        f"<setting>{tag('level', 'root')}{tag('name', k)}{tag('value', v)}</setting>" for k, v in root.items()
    )
    settings += (
        f"<setting>{tag('level', 'section')}{tag('section', f'section_{SECTION}')}"
        f"{tag('name', f'section_{SECTION}_included')}{tag('value', 1)}</setting>"
        f"<setting>{tag('level', 'section')}{tag('section', f'section_{SECTION}')}"
        f"{tag('name', f'section_{SECTION}_userinfo')}{tag('value', 0)}</setting>"
        f"<setting>{tag('level', 'activity')}{tag('activity', f'quiz_{MODULE}')}"
        f"{tag('name', f'quiz_{MODULE}_included')}{tag('value', 1)}</setting>"
        f"<setting>{tag('level', 'activity')}{tag('activity', f'quiz_{MODULE}')}"
        f"{tag('name', f'quiz_{MODULE}_userinfo')}{tag('value', 0)}</setting>"
    )
    return (
        HEAD
        + "<moodle_backup>\n<information>"
        + "".join(tag(k, v) for k, v in information.items())
        + details
        + contents
        + f"<settings>{settings}</settings>"
        + "</information>\n</moodle_backup>\n"
    )


EMPTY = {
    "roles.xml": "<roles_definition></roles_definition>",
    "groups.xml": (
        "<groups><groupcustomfields></groupcustomfields>"
        "<groupings><groupingcustomfields></groupingcustomfields></groupings></groups>"
    ),
    "scales.xml": "<scales_definition></scales_definition>",
    "outcomes.xml": "<outcomes_definition></outcomes_definition>",
    "course/roles.xml": "<roles><role_overrides></role_overrides><role_assignments></role_assignments></roles>",
    "course/filters.xml": "<filters><filter_actives></filter_actives><filter_configs></filter_configs></filters>",
    "course/comments.xml": "<comments></comments>",
    "course/calendar.xml": "<events></events>",
    "course/contentbank.xml": "<contents></contents>",
    f"{QUIZ_DIR}/roles.xml": "<roles><role_overrides></role_overrides><role_assignments></role_assignments></roles>",
    f"{QUIZ_DIR}/filters.xml": "<filters><filter_actives></filter_actives><filter_configs></filter_configs></filters>",
    f"{QUIZ_DIR}/comments.xml": "<comments></comments>",
    f"{QUIZ_DIR}/calendar.xml": "<events></events>",
    f"{QUIZ_DIR}/xapistate.xml": "<states></states>",
}

FILE_NAME = "moodle.mbz"


def members(
    key: dict[str, Any], sink: Sink, questions: IO[str], files: IO[str], spool: FileSpool
) -> Iterator[tuple[str, bytes | IO[str]]]:
    """Every member of the backup by name, in name order: its bytes, or the spooled ``questions``
    (questions.xml) or ``files`` (files.xml) it was written to."""
    title = " ".join(key["assignment"].split())
    shortname = title[:100]
    site = hashlib.sha256(("quizgen\0" + key["assignment"] + "\0" + str(key.get("salt", ""))).encode()).hexdigest()
    bank, slots = write_bank(questions, files, key, sink, f"quizgen+{site[:16]}", spool)
    total = sum(s.mark for s in slots)
    found: dict[str, bytes | IO[str]] = {name: (HEAD + body + "\n").encode() for name, body in EMPTY.items()}
    found.update(
        {
            "moodle_backup.xml": backup_xml(title, shortname, FILE_NAME, site).encode(),
            "questions.xml": questions,
            "files.xml": files,
            "course/course.xml": course_xml(title, shortname).encode(),
            f"sections/section_{SECTION}/section.xml": section_xml().encode(),
            f"{QUIZ_DIR}/quiz.xml": quiz_xml(title, slots).encode(),
            f"{QUIZ_DIR}/module.xml": module_xml().encode(),
            f"{QUIZ_DIR}/grades.xml": grades_xml(title, total).encode(),
            f"{QUIZ_DIR}/inforef.xml": inforef_xml(bank.categories).encode(),
        }
    )
    for name in sorted({*found, *spool.names()}):
        yield name, found[name] if name in found else spool.read(name)


def export(key: dict[str, Any], sink: Sink) -> None:
    with (
        tempfile.TemporaryFile() as questions_raw,
        tempfile.TemporaryFile() as files_raw,
        FileSpool() as spool,
        sink.tar(FILE_NAME) as archive,
    ):
        questions = io.TextIOWrapper(questions_raw, "utf-8", newline="\n")
        files = io.TextIOWrapper(files_raw, "utf-8", newline="\n")
        for name, data in members(key, sink, questions, files, spool):
            if isinstance(data, bytes):
                archive.add(name, data)
                continue
            data.flush()
            raw = questions_raw if data is questions else files_raw
            size = raw.seek(0, 2)
            raw.seek(0)
            archive.add_file(name, raw, size)
        questions.detach()
        files.detach()
