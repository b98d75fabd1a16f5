"""The practice page reads answers by the grader's rules: the JavaScript and Python readers agree."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.bank.answer_kinds import KINDS, reader_table
from quizgen.grading.parse import read_answer

READER = Path(__file__).resolve().parent.parent / "templates" / "_answer_reader.js"
HARNESS = (
    "const fs=require('fs');eval(fs.readFileSync(process.argv[1],'utf8')+';globalThis.q=quizgenAnswers;');"
    "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const xs=JSON.parse(s);"
    "process.stdout.write(JSON.stringify(xs.map(([t,k])=>{const r=q.read(t,k);"
    "return [r.value,r.mistake,r.relabelled,r.confused]})))})"
)
SAMPLES = [
    "1760",
    "1,760",
    "1 760",
    " 1 760 ",
    "1760.0",
    "1.76e3",
    "+1760",
    "１７６０",
    "١٧٦٠",
    "1760 params",
    "1\u202f760",
    "about 1,760 parameters",
    "4*20*(1+20+1)",
    "4·20·(1+20+1)",
    "4x20x22",
    "4 × 20 × 22 = 1760",
    "",
    "abc",
    "12 or 13",
    "1e400",
    "((((",
    "4 5",
    "−",
    "1,2,3,4",
    "−5",
    "1,5",
    "(3+4)*2",
    "2/0",
    "7/2",
    "4*5*(3+5)",
    "0\x1f",
    "１２\u2009",
    "-(3)",
    "3 -2",
    "2 GiB",
    "1.5 MiB",
    "64 bits",
    "4096 bytes",
    "2GB",
    "37380 MB",
    "6656 KiB",
    "63232 M",
    "7440%",
    "$ 44840",
    "not 3794",
    "906050 parameters",
    "14504-1",
    "25520 - 0",
    "4*5*(3+5+1) - 1",
    "1.2M params",
    "7B",
    "4*20*22 = 1800",
    "4*20*22 = 1.76k",
    "3.1e23 FLOPs",
    "3.1×10^23",
    "2**30",
    "2.5 GMACs",
    "500 FLOPs",
    "36 hours",
    "1.5 d",
    "1.32x",
    "1760.",
    "1_760",
    ".5",
    "0^-1",
    "(-8)^(1/3)",
    "10^500",
    "3.1×10²³ FLOPs",
    "2¹⁰",
    "10⁻³",
    "²",
    "1.76 × 10³",
    "0.52 %",
    "0.52%",
    "0.52 percent",
    "12.3 GB",
    "12.3 GiB",
    "12.3 gib",
    "12,300 MB",
    "11.46 GiB",
    "98400000000 bits",
    "1.23e21 FLOPs",
    "1.23e21 MACs",
    "1.23 ZFLOPs",
    "64.8B tokens",
    "0.0648T tokens",
    "64.8B",
    "2.29 days",
    "54.9 hours",
    "% 12",
    "12 %%",
    "12 pixels",
    "3 sequences",
]
# (kind, the unit the key asks for): every kind of the registry, and units other than the base
READERS = [
    ("count", None),
    ("bytes", None),
    ("bytes", "GB"),
    ("operations", "macs"),
    ("operations", "flops"),
    ("time", "days"),
    ("bytes", "GiB"),
    ("bytes", "bytes"),
    ("operations", "FLOPs"),
    ("tokens", None),
    ("tokens", "tokens"),
    ("percent", "%"),
    ("batch", None),
    ("positions", None),
    ("ratio", None),
    ("number", None),
]


Read = tuple[float | None, str | None, float | None, str | None]


def _node(inputs: list[tuple[str, tuple[str, str | None]]]) -> list[Read]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "-e", HARNESS, str(READER)],
        input=json.dumps([(text, reader_table(KINDS[kind], unit)) for text, (kind, unit) in inputs]),
        capture_output=True,
        text=True,
        check=True,
    )
    return [tuple(pair) for pair in json.loads(result.stdout)]


def _python(text: str, reader: tuple[str, str | None]) -> Read:
    parsed = read_answer(text, KINDS[reader[0]], reader[1])
    return parsed.value, parsed.mistake, parsed.relabelled, parsed.confused


def _close(ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return abs(ours - theirs) <= 1e-9 * max(1.0, abs(ours))


def _agree(ours: Read, theirs: Read) -> bool:
    return ours[1] == theirs[1] and ours[3] == theirs[3] and _close(ours[0], theirs[0]) and _close(ours[2], theirs[2])


def test_curated_answers_read_alike():
    inputs = [(t, r) for t in SAMPLES for r in READERS]
    for (text, reader), js in zip(inputs, _node(inputs), strict=True):
        assert _agree(_python(text, reader), js), (text, reader, _python(text, reader), js)


PIECES = st.sampled_from(
    [
        *"0123456789 ,.*x·×()+-/^=eE_'%$kMBGT",
        "**",
        "²",
        "⁻",
        "\u2212",
        "\u202f",
        "１",
        "٣",
        "GiB",
        " bits",
        " params",
        " MACs",
        " GFLOPs",
        " hours",
        " not ",
        " tokens",
        " %",
        " GB",
        " percent",
        " bytes",
        " days",
    ]
)


ANSWERS = st.tuples(st.lists(PIECES, max_size=10).map("".join), st.sampled_from(READERS))


@settings(max_examples=60, deadline=None)
@given(st.lists(ANSWERS, min_size=30, max_size=30))
def test_random_answers_read_alike(inputs):
    for (text, reader), js in zip(inputs, _node(inputs), strict=True):
        assert _agree(_python(text, reader), js), (text, reader, _python(text, reader), js)
