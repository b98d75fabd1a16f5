"""The ``quizgen`` command line: parse arguments, call the library, print. Nothing else."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from quizgen import __version__
from quizgen.errors import BankError, QuizgenError, UsageError

if TYPE_CHECKING:
    from quizgen.bank.loader import Bank

# Each command imports what it uses when it runs (``quizgen count`` needs neither jinja2 nor pydantic):
# the words the options offer are spelled here, and tests check them against the registries.
FRAMEWORKS = ("keras", "pytorch")
DTYPES = ("bfloat16", "float16", "float32", "int8")
READER_FORMATS = ("hf-config", "keras-json", "keras-summary", "torch-print", "torchinfo")
LMS_FORMATS = ("gift", "moodle", "moodle-mbz", "qti12", "qti21")
GRADEBOOKS = ("canvas", "moodle")


def counted(n: int, word: str, most: int | None = None) -> str:
    """``1 item``, ``6 items``, or ``6–8 items`` when ``most`` differs from ``n``."""
    if most is not None and most != n:
        return f"{n}–{most} {word}s"
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a quizgen error into one line on stderr and its exit code."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except QuizgenError as error:
            click.echo(f"quizgen: {error}", err=True)
            sys.exit(error.exit_code)

    return run


@click.group()
@click.version_option(__version__, prog_name="quizgen")
def main() -> None:
    """Randomized, auto-graded exercises on neural-network parameter counts."""


@main.command("count", short_help="Parameters of a model, layer by layer, with derivations.")
@click.argument("spec")
@click.option("--framework", type=click.Choice(FRAMEWORKS), default="keras", show_default=True)
@click.option(
    "--from",
    "source_format",
    type=click.Choice(READER_FORMATS),
    default=None,
    help="SPEC is a file (or - for standard input) in this format instead of the spec language.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option(
    "--show",
    default="",
    help="Extra table columns, comma-separated: macs, memory (the JSON always has output shapes and MACs).",
)
@click.option(
    "--dtype",
    type=click.Choice(DTYPES),
    default=None,
    help="Bytes a value for weight and activation memory (implies --show memory; float32 if only --show memory).",
)
@click.option(
    "--train",
    "optimizer",
    default=None,
    help="Training memory and compute with this optimizer: sgd, momentum, adam, adamw, lion.",
)
@click.option("--precision", default=None, help="fp32 (default), bf16-mixed, fp16-mixed or bf16.")
@click.option("--batch", default=None, help="Samples a step on each device (default 1).")
@click.option("--zero", default=None, help="ZeRO stage 1, 2 or 3 (with --devices).")
@click.option("--devices", default=None, help="Data-parallel devices.")
@click.option("--lora", default=None, help="LoRA adapters, e.g. r=8,targets=q,v (or targets=all-linear).")
@click.option("--tokens", default=None, help="Tokens of the training run, e.g. 3e11.")
@click.option("--device", default=None, help="Accelerator (quizgen devices lists them), e.g. h100-sxm.")
@click.option("--mfu", default=None, help="Share of the device's peak FLOP/s the run reaches, e.g. 0.4.")
@click.option("--quantize", default=None, help="Checkpoint size quantized: int8 or int4[,group=128][,zero=true].")
@click.option("--receptive-field", "receptive", is_flag=True, help="Each layer's receptive field (conv/pool stacks).")
@reports_errors
def count_command(
    spec: str,
    framework: str,
    source_format: str | None,
    as_json: bool,
    show: str,
    dtype: str | None,
    **training: Any,
) -> None:
    """Count the parameters of SPEC layer by layer, for instance 'Input(3) -> LSTM(5)'.

    SPEC - reads the spec from standard input. With --from keras-json, torch-print or hf-config,
    SPEC is a file: what model.to_json() writes, the text print(model) shows, or a config.json;
    with --from keras-summary or torchinfo, the table model.summary() or torchinfo.summary() prints.
    """
    from quizgen.counting import count
    from quizgen.readers import count_model
    from quizgen.render.count_table import format_table

    if source_format is not None:
        text, source = read_text_argument(spec)
        model = count_model(text, source_format, source)
    elif spec == "-":
        model = count(sys.stdin.read().strip(), framework=framework)
    else:
        model = count(spec, framework=framework)
    shown = {word.strip() for word in show.split(",") if word.strip()}
    unknown = shown - {"macs", "memory", "shapes"}
    if unknown:
        raise UsageError(f"--show takes macs, memory (and shapes, always shown), not {', '.join(sorted(unknown))}")
    if "memory" in shown and dtype is None:
        dtype = "float32"
    if any(v not in (None, False) for v in training.values()):
        _count_training(model, as_json, "macs" in shown, dtype, **training)
    elif as_json:
        click.echo(json.dumps(model.to_dict(dtype), ensure_ascii=False))
    else:
        click.echo(format_table(model, macs="macs" in shown, dtype=dtype))


def _count_training(model: Any, as_json: bool, macs: bool, dtype: str | None, **options: Any) -> None:
    """``count`` with any of the §11 options: the table (or JSON) and the training section."""
    from quizgen.counting.quantize import parse_quantization
    from quizgen.counting.training import make_setup
    from quizgen.render.count_table import format_table
    from quizgen.render.training_text import field_column, field_json, section, training_json

    optimizer, receptive, quantize = options.pop("optimizer"), options.pop("receptive"), options.pop("quantize")
    if optimizer is None and any(v is not None for v in options.values()):
        given = next(k for k, v in options.items() if v is not None)
        raise UsageError(
            f"--{given} describes a training run: give --train OPTIMIZER (sgd, momentum, adam, adamw, lion)"
        )
    setup = None
    if optimizer is not None:
        options["precision"] = options["precision"] or "fp32"
        options["batch"] = options["batch"] or 1
        setup = make_setup(optimizer, **options)
    quantization = None if quantize is None else parse_quantization(quantize)
    fields = field_column(model) if receptive else None
    if as_json:
        data = model.to_dict(dtype)
        if receptive:
            for layer, field in zip(data["layers"], field_json(model), strict=True):
                layer["receptive_field"] = field
        if setup is not None or quantization is not None:
            data["training"] = training_json(model, setup, quantization)
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(format_table(model, macs=macs, dtype=dtype, fields=fields))
    if setup is not None or quantization is not None:
        click.echo("")
        click.echo(section(model, setup, quantization))


@main.command("devices", short_help="Accelerators: memory and peak dense FLOP/s, from their datasheets.")
@click.option("--json", "as_json", is_flag=True)
def devices_command(as_json: bool) -> None:
    """The accelerators training time is worked out on (--device NAME), each from its vendor's datasheet."""
    from quizgen.render.training_text import devices_json, devices_text

    if as_json:
        click.echo(json.dumps(devices_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(devices_text())


def read_text_argument(argument: str) -> tuple[str, str]:
    """(text, name for messages) of a file argument, ``-`` being standard input."""
    if argument == "-":
        return sys.stdin.read(), "<stdin>"
    path = Path(argument)
    try:
        return path.read_text(encoding="utf-8-sig"), path.name
    except UnicodeDecodeError:
        raise UsageError(f"{argument}: not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"{argument}: cannot read: {error.strerror or error}") from None


@main.command("explain", short_help="Why each row of a summary table has its parameter count.")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@reports_errors
def explain_command(file: str, as_json: bool) -> None:
    """Explain FILE (- for standard input): what Keras' model.summary() or torchinfo.summary() prints.

    Per row: the printed count, the derivation quizgen finds for it and whether they agree; then
    the totals. A Keras JSON, print(model) text or config.json shows quizgen's derivations.
    """
    from quizgen.readers.explain_file import explain_text
    from quizgen.render.explain_table import format_explanation

    text, source = read_text_argument(file)
    explanation = explain_text(text, source)
    if as_json:
        click.echo(json.dumps(explanation.to_dict(), ensure_ascii=False))
    else:
        click.echo(format_explanation(explanation))


@main.command("schema", short_help="JSON Schema of template or assignment files, for editors.")
@click.argument("kind", type=click.Choice(["template", "assignment"]))
def schema_command(kind: str) -> None:
    """Print the JSON Schema of a template file or an assignment file (as kept in schemas/)."""
    from quizgen.quiz.json_schemas import schema_text

    click.echo(schema_text(kind), nl=False)


@main.group("bank")
def bank_group() -> None:
    """List, show and validate question templates."""


BANK_OPTION = click.option(
    "--bank",
    "bank_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Your own template file or folder, added to the built-in bank (repeatable).",
)
NO_BUILTIN_OPTION = click.option(
    "--no-builtin-bank", is_flag=True, help="Leave the built-in bank out: only --bank and the assignment's bank: list."
)


def chosen_bank(bank_paths: tuple[Path, ...], no_builtin_bank: bool = False) -> Bank:
    from quizgen.bank.loader import bank_paths as bank_paths_for
    from quizgen.bank.loader import load_bank

    return load_bank(bank_paths_for(bank_paths, not no_builtin_bank))


@bank_group.command("list", short_help="The bank's templates: id, type, difficulty, topic.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--tag", default=None, help="Only templates with this tag or topic.")
@BANK_OPTION
@NO_BUILTIN_OPTION
@reports_errors
def bank_list(as_json: bool, tag: str | None, bank_paths: tuple[Path, ...], no_builtin_bank: bool) -> None:
    """List the bank's question templates."""
    templates = chosen_bank(bank_paths, no_builtin_bank).with_tag(tag)
    rows: list[dict[str, Any]] = [
        {
            "id": t.id,
            "title": t.title,
            "type": t.type,
            "tags": t.tags,
            "difficulty": t.difficulty,
            "topic": t.topic,
            "framework": t.framework,
            "points": t.points,
        }
        for t in templates
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        click.echo(f"{r['id']:<{width}}  {r['type']:<15} {r['difficulty']:<6} {r['topic']:<13} {r['title']}")
    click.echo(counted(len(rows), "template"))


@bank_group.command("show", short_help="One student's variant with its worked solution.")
@click.argument("template_id")
@click.option("--student", default="example", show_default=True, help="Whose variant to show.")
@click.option("--salt", default="quizgen", show_default=True)
@click.option("--secret-file", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True)
@BANK_OPTION
@NO_BUILTIN_OPTION
@reports_errors
def bank_show(
    template_id: str,
    student: str,
    salt: str,
    secret_file: Path | None,
    as_json: bool,
    bank_paths: tuple[Path, ...],
    no_builtin_bank: bool,
) -> None:
    """Show one student's variant of a template with its worked solution."""
    from quizgen.bank.instantiate import student_variant
    from quizgen.quiz.secret import load_secret
    from quizgen.render.variant_text import format_variant

    template = chosen_bank(bank_paths, no_builtin_bank).get(template_id)
    variant = student_variant(template, load_secret(secret_file).value, salt, student)
    if as_json:
        click.echo(json.dumps(variant.model_dump(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_variant(variant))


@bank_group.command("mistakes", short_help="The mistakes that partial_credit can name.")
@click.argument("template_id", required=False)
@BANK_OPTION
@NO_BUILTIN_OPTION
@reports_errors
def bank_mistakes(template_id: str | None, bank_paths: tuple[Path, ...], no_builtin_bank: bool) -> None:
    """The catalogued mistakes (the names partial_credit takes), or those one template can name."""
    from quizgen.render.variant_text import format_mistakes, mistakes_seen

    if template_id is None:
        click.echo(format_mistakes())
        return
    variants = 50
    template = chosen_bank(bank_paths, no_builtin_bank).get(template_id)
    click.echo(format_mistakes(mistakes_seen(template, variants), variants))


@bank_group.command("new", short_help="Write a commented starter template of your own.")
@click.argument("template_id")
@click.option(
    "--type",
    "kind",
    type=click.Choice(["numeric", "multiple_choice", "multi_part"]),
    default="numeric",
    show_default=True,
)
@click.option(
    "--bank",
    "folder",
    type=click.Path(path_type=Path),
    default=Path("bank"),
    show_default=True,
    help="Folder of your templates.",
)
@reports_errors
def bank_new(template_id: str, kind: str, folder: Path) -> None:
    """Write FOLDER/TEMPLATE_ID.yaml, a commented template that validates as written."""
    from quizgen.quiz.authoring import new_template

    path = new_template(template_id, kind, folder, chosen_bank((folder,) if folder.exists() else ()))
    click.echo(f"wrote {path}; check it with: quizgen bank validate {folder}")


@bank_group.command("preview", short_help="Variants of a template side by side, in one HTML page.")
@click.argument("template_id")
@click.option("--variants", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="HTML file to write.")
@BANK_OPTION
@NO_BUILTIN_OPTION
@reports_errors
def bank_preview(
    template_id: str, variants: int, out_file: Path, bank_paths: tuple[Path, ...], no_builtin_bank: bool
) -> None:
    """Show VARIANTS variants of a template with answers, worked solutions and the mistakes behind distractors."""
    from quizgen.bank.loader import bank_files
    from quizgen.bank.loader import bank_paths as bank_paths_for
    from quizgen.files import output_error, write_file
    from quizgen.quiz.authoring import preview_view
    from quizgen.render.pages import Renderer

    for path in bank_files(bank_paths_for(bank_paths, not no_builtin_bank)):
        if out_file.exists() and out_file.samefile(path):
            raise UsageError(f"{out_file}: is a template file of the bank; write the preview elsewhere")
    view = preview_view(chosen_bank(bank_paths, no_builtin_bank), template_id, variants)
    html = Renderer(view["template"].title).render("preview.html", doc_title=f"Preview: {template_id}", **view)
    try:
        write_file(out_file, html)
    except OSError as error:
        raise output_error(error, out_file) from None
    click.echo(f"wrote {out_file} ({counted(variants, 'variant')} of {template_id})")


@bank_group.command("validate", short_help="Prove templates sound (schema, answers, checks).")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--seeds", default=200, show_default=True, type=click.IntRange(min=1), help="Variants instantiated per template."
)
@click.option("--against", default="", help="Also compare with real frameworks: torch,keras.")
@reports_errors
def bank_validate(paths: tuple[Path, ...], seeds: int, against: str) -> None:
    """Prove templates sound: schema, variants, recomputed answers, distractors, checks."""
    from quizgen.bank.loader import crosscheck_template, validate_bank

    frameworks = [name.strip() for name in against.split(",") if name.strip()]
    unknown = set(frameworks) - {"torch", "keras"}
    if unknown:
        raise UsageError(f"--against takes torch and/or keras, not {', '.join(sorted(unknown))}")
    bank, problems = validate_bank(paths or None, seeds)
    lines = [str(p) for p in problems]
    if frameworks:
        from quizgen.bank.crosscheck import available

        for name in frameworks:
            if not available(name):
                raise UsageError(f"--against {name}: {name} is not installed")
        for template_id, template in bank.templates.items():
            path, line = bank.origins[template_id]
            lines += [f"{path}:{line}: {template_id}.{m}" for m in crosscheck_template(template, frameworks)]
    if lines:
        raise BankError("\n".join(lines))
    checked = f", checked against {', '.join(frameworks)}" if frameworks else ""
    click.echo(f"{counted(len(bank.templates), 'template')} sound ({counted(seeds, 'variant')} each{checked})")


@main.command("generate", short_help="Every student's quiz, the keys and the LMS files.")
@click.argument("assignment", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--format",
    "formats",
    default=None,
    help="Comma-separated: md,html,ipynb,moodle,moodle-mbz,gift,qti12,qti21 (instead of the assignment's formats).",
)
@click.option("--secret-file", type=click.Path(path_type=Path), default=None)
@click.option("--force", is_flag=True, help="Replace a non-empty output folder.")
@click.option("--practice", is_flag=True, help="Also write self-checking practice pages.")
@click.option("--templates", type=click.Path(path_type=Path), default=None, help="Folder of templates to override.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@BANK_OPTION
@NO_BUILTIN_OPTION
@reports_errors
def generate_command(
    assignment: Path,
    out_dir: Path,
    formats: str | None,
    secret_file: Path | None,
    force: bool,
    practice: bool,
    templates: Path | None,
    jobs: int,
    bank_paths: tuple[Path, ...],
    no_builtin_bank: bool,
) -> None:
    """Write each student's quiz, the answer keys and LMS files for ASSIGNMENT."""
    from quizgen.publish.generate import NO_SECRET_NOTICE, generate

    chosen = [f.strip() for f in formats.split(",") if f.strip()] if formats else None
    show_bar = sys.stderr.isatty()
    with click.progressbar(length=0, label="students", file=sys.stderr) if show_bar else _nullbar() as bar:
        result = generate(
            assignment,
            out_dir,
            chosen,
            secret_file,
            force,
            practice,
            templates,
            list(bank_paths),
            progress=bar.update if show_bar else None,
            jobs=jobs,
            builtin_bank=not no_builtin_bank,
        )
    if result.secret_source == "none":
        click.echo(f"quizgen: note: {NO_SECRET_NOTICE}", err=True)
    for notice in result.notices:
        click.echo(f"quizgen: warning: {notice}", err=True)
    click.echo(
        f"wrote {counted(result.files, 'file')} for {counted(result.students, 'student')} "
        f"({counted(result.items[0], 'item', result.items[1])} each) to {result.out_dir}"
    )


class _nullbar:
    def __enter__(self) -> _nullbar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


@main.command("trace", short_help="Which students' variants match numbers seen elsewhere.")
@click.argument("key_file", type=click.Path(path_type=Path))
@click.argument("text")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Most matches to list.")
@reports_errors
def trace_command(key_file: Path, text: str, limit: int) -> None:
    """List the students whose variant matches TEXT (numbers or an architecture seen elsewhere)."""
    from quizgen.quiz.keyfile import KeyFile
    from quizgen.quiz.trace import trace

    with KeyFile(key_file) as key:
        matches = trace(key.students(), text, limit)
    if not matches:
        click.echo("no variant matches")
        return
    for m in matches:
        spec = ", same architecture" if m.spec_match else ""
        shown = ", ".join(m.matched) or "-"
        click.echo(f"{m.student_id:<12} {m.label:<5} {m.template_id:<34} score {m.score:.2f}  numbers {shown}{spec}")


@main.command("export", short_help="One LMS import file (Moodle, GIFT, Canvas, QTI 2.1).")
@click.argument("assignment", type=click.Path(path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(LMS_FORMATS))
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="File to write.")
@click.option("--secret-file", type=click.Path(path_type=Path), default=None)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@BANK_OPTION
@NO_BUILTIN_OPTION
@reports_errors
def export_command(
    assignment: Path,
    fmt: str,
    out_file: Path,
    secret_file: Path | None,
    force: bool,
    bank_paths: tuple[Path, ...],
    no_builtin_bank: bool,
) -> None:
    """Write one LMS import file (Moodle XML, GIFT, Canvas QTI 1.2 zip, QTI 2.1 zip, Moodle backup) for ASSIGNMENT."""
    from quizgen.publish.generate import export_file

    notices: list[str] = []
    path = export_file(assignment, fmt, out_file, secret_file, force, list(bank_paths), not no_builtin_bank, notices)
    for notice in notices:
        click.echo(f"quizgen: warning: {notice}", err=True)
    click.echo(f"wrote {path}")


@main.command("grade", short_help="Grade submissions: grades, feedback, report, gradebook.")
@click.argument("key_file", type=click.Path(path_type=Path))
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option(
    "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder for grades and feedback."
)
@click.option("--gradebook", type=click.Choice(GRADEBOOKS), default=None, help="Also write an LMS grade-import CSV.")
@click.option("--force", is_flag=True, help="Replace a non-empty output folder.")
@click.option(
    "--templates",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of templates to override (feedback, report).",
)
@click.option(
    "--accept",
    type=click.Path(path_type=Path),
    default=None,
    help="YAML or CSV of answers to accept (student, label, answer or value, points or share, reason).",
)
@click.option(
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes writing the feedback files.",
)
@reports_errors
def grade_command(
    key_file: Path,
    submissions: Path,
    out_dir: Path,
    gradebook: str | None,
    force: bool,
    templates: Path | None,
    jobs: int,
    accept: Path | None,
) -> None:
    """Grade SUBMISSIONS against KEY_FILE (key.json): grades, feedback, report.

    SUBMISSIONS is a CSV (student_id and one column per label), one returned notebook (.ipynb), or a
    folder of notebooks, read with its subfolders. Answers are read by one grammar: a number (1,760;
    1.76e3; 1.2M on counts), an expression (4*20*(1+20+1)), the unit words the question allows
    (params, GiB, MACs, hours); anything else is unreadable and listed in report.html for --accept.
    """
    from quizgen.grading.run import grade

    show = sys.stderr.isatty()

    def progress(rows: int, graded: int) -> None:
        click.echo(f"\rrows read {rows:,}, students graded {graded:,}", err=True, nl=False)

    summary = grade(
        key_file,
        submissions,
        out_dir,
        gradebook,
        force,
        templates,
        progress if show else None,
        jobs,
        accept,
    )
    if show:
        click.echo("", err=True)
    for problem in summary["problems"]:
        click.echo(f"quizgen: {submissions}: {problem}", err=True)
    click.echo(
        f"graded {summary['graded']} of {counted(summary['students_in_key'], 'student')}; "
        f"no submission {len(summary['no_submission'])}, duplicates {len(summary['duplicates'])}, "
        f"unknown {len(summary['unknown_students'])}, rejected rows {len(summary['rejected_rows'])}, "
        f"unreadable answers {len(summary['unreadable_answers'])}, accepted {len(summary['accepted_answers'])} "
        f"(see {out_dir / 'summary.json'})"
    )
