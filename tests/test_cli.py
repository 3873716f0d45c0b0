"""The `microgradx` command: runs write valid PNG/SVG files; bad arguments give one line and exit code 2."""

import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from microgradx.cli import main


def _check_outputs(out, size=800):
    for name in ("boundary.png", "loss.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        Image.open(io.BytesIO(data)).verify()
    with Image.open(out / "boundary.png") as boundary:
        assert boundary.size == (size, size)
    with Image.open(out / "training.gif") as gif:
        assert gif.format == "GIF" and gif.is_animated and gif.n_frames >= 2
    svg = ET.fromstring((out / "graph.svg").read_bytes())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert sorted(p.name for p in out.iterdir()) == ["boundary.png", "graph.svg", "loss.png", "training.gif"]
    return svg


def test_train_writes_pictures(tmp_path, dot_program, capsys):
    out = tmp_path / "spiral"
    argv = ["train", "--dataset", "spiral", "--n", "60", "--layers", "4,4", "--activation", "tanh", "--steps", "3"]
    argv += ["--lr", "0.1", "--seed", "0", "--features", "x1,x2,x1*x2", "--size", "300", "--resolution", "60"]
    code = main([*argv, "--out", str(out), "--no-progress"])
    assert code == 0
    svg = _check_outputs(out, size=300)
    text = ET.tostring(svg, encoding="unicode")
    assert "one node per neuron" in text and "Neuron 1.3" in text  # collapsed by neuron
    assert "loss on sample" in text or "score of sample" in text
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
    svg = ET.tostring(_check_outputs(out), encoding="unicode")
    # the demo's slide pictures: the graph of one sample's loss, by neuron, with data and (nonzero) gradients
    assert "one node per neuron" in svg and "loss on sample" in svg
    grads = [float(g) for g in re.findall(r"grad (-?[\d.]+(?:e[-+]\d+)?)", svg)]
    assert len(grads) > 30 and any(abs(g) > 1e-3 for g in grads)
    frames = []
    with Image.open(out / "training.gif") as gif:
        for k in (0, gif.n_frames - 1):
            gif.seek(k)
            frames.append(np.asarray(gif.convert("RGB")))
    assert (frames[0] != frames[1]).any()  # the boundary moved over training


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
        "--classes",
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


def test_demo_boundary_is_large_and_smooth(tmp_path, dot_program):
    """800 x 800, with the boundary drawn as a contour line (test_pictures checks the line lies on score 0)."""
    out = tmp_path / "demo"
    assert main(["demo", "--steps", "5", "--out", str(out), "--no-progress"]) == 0
    with Image.open(out / "boundary.png") as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    assert pixels.shape == (800, 800, 3)
    dark = (np.abs(pixels - 64).max(axis=2) < 20)[100:700, 100:700]  # the line's colour, #404040
    assert dark.sum() > 300  # there is a line


def test_a_folder_in_the_way_is_found_before_training(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "boundary.png").mkdir(parents=True)
    with pytest.raises(SystemExit) as info:
        main(["train", "--n", "40", "--steps", "500", "--out", str(out), "--no-progress"])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert "training" not in captured.out  # nothing trained
    assert len(captured.err.strip().splitlines()) == 1
    assert f"cannot write {out / 'boundary.png'}: a folder of that name is in the way" in captured.err
    assert [p.name for p in out.iterdir()] == ["boundary.png"]  # nothing else written


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("not a folder")
    with pytest.raises(SystemExit) as info:
        main(["demo", "--steps", "1", "--out", str(out)])
    assert info.value.code == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_pictures_are_written_whole(tmp_path, dot_program, monkeypatch):
    """Each file goes to a temporary name and is renamed: a failure half-way leaves the old file, no debris."""
    import os

    out = tmp_path / "out"
    argv = ["train", "--n", "40", "--layers", "4", "--steps", "2", "--size", "200", "--resolution", "40"]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    renames = []
    real = os.replace

    def replace(src, dst):
        renames.append((os.path.basename(src), os.path.basename(dst)))
        if os.path.basename(dst) == "graph.svg":
            raise OSError("disk full")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="disk full"):
        main([*argv, "--steps", "3", "--out", str(out), "--no-progress"])
    assert [dst for _, dst in renames] == ["boundary.png", "loss.png", "graph.svg"]
    assert all(src.startswith(f".{dst}.") and src.endswith(".tmp") for src, dst in renames)
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no temporary file left
    assert (out / "graph.svg").read_bytes() == before["graph.svg"]  # the old one, whole


def test_train_three_classes_picks_cross_entropy_and_three_outputs(tmp_path, dot_program, capsys):
    from microgradx.plot import CLASS_COLOURS

    out = tmp_path / "three"
    argv = ["train", "--dataset", "spiral", "--classes", "3", "--n", "60", "--layers", "4,4", "--steps", "3"]
    argv += ["--optimizer", "adam", "--lr", "0.02", "--size", "300", "--resolution", "40"]
    assert main([*argv, "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "MLP(2, 4, 4, 3)" in printed and "labels='index', classes=3" in printed and "train accuracy" in printed
    svg = ET.tostring(_check_outputs(out, size=300), encoding="unicode")
    assert "loss on sample" in svg and "one node per neuron" in svg
    with Image.open(out / "boundary.png") as image:
        pixels = np.asarray(image.convert("RGB")).astype(int).reshape(-1, 3)
    for colour in CLASS_COLOURS[:3]:  # each class's points are drawn in its colour
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).max(axis=1) <= 8).sum() > 20, colour


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--dataset", "moons", "--classes", "3"],
            r"dataset 'moons' has two classes; classes=3 works with spiral, blobs",
        ),
        (["--dataset", "spiral", "--classes", "1"], r"spiral: classes must be an integer >= 2, got 1"),
        (
            ["--dataset", "blobs", "--classes", "3", "--loss", "hinge"],
            r"has 3 classes, and the loss 'hinge' is for two",
        ),
    ],
)
def test_bad_class_arguments_give_one_line(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["train", *argv, "--n", "30", "--out", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and re.search(message, err), err
