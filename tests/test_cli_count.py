"""`quizgen count`: the JSON contract, the table, and one-line errors with exit code 2."""

import json
import subprocess
import sys

from click.testing import CliRunner

from quizgen.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_json_contract():
    result = run("count", "Input(3) -> LSTM(5)", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["framework"] == "keras" and data["spec"] == "Input(3) -> LSTM(5)"
    assert data["total"] == 180 and data["trainable"] == 180
    lstm = data["layers"][1]
    expected = {
        "layer": "LSTM(5)",
        "type": "LSTM",
        "input_width": 3,
        "output_width": 5,
        "params": 180,
        "trainable": 180,
        "formula": "4·5·(3+5+1)",
        "derivation": "4·5·(3+5+1) = 180",
    }
    assert {k: lstm[k] for k in expected} == expected
    assert data["layers"][0]["params"] == 0 and data["layers"][0]["type"] == "Input"


def test_one_entry_per_spec_layer_under_pytorch():
    data = json.loads(
        run("count", "Input(8) -> LSTM(16, num_layers=2) -> Dropout(0.2)", "--json", "--framework", "pytorch").output
    )
    assert [layer["type"] for layer in data["layers"]] == ["Input", "LSTM", "Dropout"]
    assert data["total"] == 4 * 16 * (8 + 16 + 2) + 4 * 16 * (16 + 16 + 2)


def test_table_shows_derivations_breakdown_and_total():
    out = run("count", "Input(1) -> LSTM(20) -> LSTM(20)").output
    assert "4·20·(1+20+1) = 1760" in out and "4·20·(20+20+1) = 3280" in out
    assert "recurrent weights 4·20·20 = 1,600" in out
    assert "5,040" in out


def test_bad_spec_is_one_line_and_exit_2():
    proc = subprocess.run(
        [sys.executable, "-m", "quizgen", "count", "Input(3) -> LTSM(5)"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == "quizgen: spec:1:13: unknown layer 'LTSM' (did you mean 'LSTM'?)"


def test_library_api():
    from quizgen import count

    model = count("Input(3) -> LSTM(5)", framework="pytorch")
    assert model.total == 200 and model.to_dict()["framework"] == "pytorch"


def test_count_reads_the_spec_from_standard_input():
    result = CliRunner().invoke(main, ["count", "-", "--json"], input="Input(3) -> LSTM(5)\n")
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 180


def test_count_from_a_file_in_each_format(tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"model_type": "bert", "architectures": ["BertModel"]}')
    result = run("count", "--from", "hf-config", str(config), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 109_482_240 and data["layers"][0]["name"] == "embeddings.word_embeddings"
    printed = tmp_path / "model.txt"
    printed.write_text(
        "Net(\n  (fc): Linear(in_features=4, out_features=2, bias=True)\n  (x): Mystery(\n    (a): ReLU()\n  )\n)\n"
    )
    table = run("count", "--from", "torch-print", str(printed)).output
    assert "fc: Dense(2)" in table and "note: not counted: parameters registered directly on Mystery, Net" in table
    hidden = tmp_path / "hidden.txt"
    hidden.write_text("Net(\n  (fc): Linear(in_features=4, out_features=2, bias=True)\n  (x): Mystery()\n)\n")
    refused = run("count", "--from", "torch-print", str(hidden))
    assert refused.exit_code == 2 and refused.output.startswith("quizgen: hidden.txt:3: Mystery: a class quizgen")
    piped = CliRunner().invoke(main, ["count", "--from", "torch-print", "-", "--json"], input=printed.read_text())
    assert json.loads(piped.output)["total"] == 10


def test_count_from_a_missing_or_broken_file_is_one_line(tmp_path):
    missing = run("count", "--from", "keras-json", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "nope.json: cannot read" in missing.output
    broken = tmp_path / "model.json"
    broken.write_text("{ not json")
    result = run("count", "--from", "keras-json", str(broken))
    assert result.exit_code == 2 and result.output.startswith("quizgen: model.json:1: not JSON")
    assert len(result.output.strip().splitlines()) == 1


def test_count_imports_nothing_it_does_not_use():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from quizgen.cli import main\n"
        "assert CliRunner().invoke(main, ['count', 'Input(3) -> LSTM(5)']).exit_code == 0\n"
        "print(sorted(m for m in ('jinja2', 'pydantic', 'lxml', 'markdown_it', 'yaml') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_option_words_match_the_registries():
    from quizgen import cli
    from quizgen.counting import FRAMEWORKS
    from quizgen.counting.model import DTYPE_BYTES
    from quizgen.export import EXPORTERS
    from quizgen.grading.run import GRADEBOOKS
    from quizgen.readers import READERS

    assert cli.FRAMEWORKS == FRAMEWORKS
    assert tuple(sorted(DTYPE_BYTES)) == cli.DTYPES
    assert tuple(sorted(READERS)) == cli.READER_FORMATS
    assert tuple(sorted(EXPORTERS)) == cli.LMS_FORMATS
    assert cli.GRADEBOOKS == GRADEBOOKS
