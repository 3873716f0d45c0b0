"""The `microgradx` command: runs write valid PNG/SVG files; bad arguments give one line and exit code 2."""

import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from microgradx.cli import main


def _check_outputs(out):
    for name in ("boundary.png", "loss.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        Image.open(io.BytesIO(data)).verify()
    svg = ET.fromstring((out / "graph.svg").read_bytes())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    return svg


def test_train_writes_pictures(tmp_path, dot_program, capsys):
    out = tmp_path / "spiral"
    argv = ["train", "--dataset", "spiral", "--n", "60", "--layers", "4,4", "--activation", "tanh", "--steps", "3"]
    code = main([*argv, "--lr", "0.1", "--seed", "0", "--features", "x1,x2,x1*x2", "--out", str(out), "--no-progress"])
    assert code == 0
    svg = _check_outputs(out)
    text = ET.tostring(svg, encoding="unicode")
    assert "layer" in text  # collapsed: one node per layer
    printed = capsys.readouterr().out
    assert "MLP(3, 4, 4, 1)" in printed and "3 steps in" in printed and "test accuracy" in printed


def test_demo_through_python_dash_m(tmp_path, dot_program):
    out = tmp_path / "demo"
    run = subprocess.run(
        [sys.executable, "-m", "microgradx", "demo", "--steps", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "MLP(2, 16, 16, 1)" in run.stdout and "moons" in run.stdout
    assert "2/2" in run.stderr  # the tqdm progress bar
    _check_outputs(out)


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "--dataset",
        "--layers",
        "--activation",
        "--steps",
        "--lr",
        "--seed",
        "--out",
        "--features",
        "--loss",
    ):
        assert option in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--layers", "8,x"], "argument --layers: expected hidden layer widths like 16,16, got '8,x'"),
        (["train", "--lr", "-1"], "argument --lr: expected a finite number > 0, got -1"),
        (["train", "--dataset", "sprial"], "argument --dataset: invalid choice: 'sprial'"),
        (["train", "--features", "x1,cos(x1)"], r"unknown feature 'cos\(x1\)'"),
        (["train", "--batch-size", "500", "--n", "100"], r"batch_size must lie in \[1, 80\], got 500"),
        (["fly"], "argument COMMAND: invalid choice: 'fly'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code_2(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main([*argv, *(["--out", str(tmp_path)] if argv[:1] == ["train"] else [])])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("microgradx") and "error:" in err
    assert re.search(message, err), err


def test_divergence_exits_1_and_keeps_the_last_good_step(tmp_path, dot_program, capsys):
    out = tmp_path / "boom"
    code = main(
        ["train", "--n", "40", "--layers", "4", "--lr", "1e250", "--steps", "50", "--out", str(out), "--no-progress"]
    )
    assert code == 1
    assert "diverged at step" in capsys.readouterr().err
    _check_outputs(out)


def test_linear_schedule_ends_at_a_tenth_of_the_learning_rate():
    from microgradx.cli import _trainer, build_parser

    args = build_parser().parse_args(["train", "--steps", "10", "--lr", "0.1", "--schedule", "linear", "--n", "40"])
    trainer = _trainer(args)
    assert trainer._lr(0) == 0.1
    assert abs(trainer._lr(9) - 0.01) < 1e-15
