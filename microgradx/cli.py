"""The `microgradx` command: train in the terminal with a progress bar and write the pictures; start a course.

    microgradx demo --out out/demo          # micrograd's demo: MLP(2, [16, 16, 1]) on 100 moons, 100 steps
    microgradx train --dataset spiral --layers 8,8 --activation tanh --steps 300 --lr 0.1 --out out/spiral
    microgradx train --dataset spiral --classes 3 --optimizer adam --lr 0.02 --steps 300   # 3 arms, cross-entropy
    microgradx new-course my-course         # a course repository: lessons, Binder, CI under nbval
    microgradx playground                   # the dashboard alone as a web page (Voila on 127.0.0.1)

`demo` and `train` write into `--out`: `boundary.png` (the decision boundary as a smooth line, 800 x 800 by
default), `loss.png` (loss and accuracy per step), `graph.svg` (the loss on one training sample, collapsed
to one node per neuron, with data and gradients) and `training.gif` (the boundary over training). The
paths are checked before training, and each file is written whole (a temporary name, then renamed).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__
from .data import DATASETS, FEATURES, MULTICLASS, load
from .nn.mlp import ACTIVATIONS, MLP
from .train import LOSSES, OPTIMIZERS, Divergence, Trainer, coded_for, linear_decay, micrograd_demo

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: `microgradx train: error: ... (see --help)`, exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _number(low: float = 0.0, strict: bool = False, high: float = math.inf):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < low or (strict and value == low) or value >= high:
            bound = f"> {low:g}" if strict else f">= {low:g}"
            raise argparse.ArgumentTypeError(
                f"expected a finite number {bound}" + (f" and < {high:g}" if high < math.inf else "") + f", got {text}"
            )
        return value

    return parse


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected hidden layer widths like 16,16, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer widths must be positive integers, got {text!r}")
    return sizes


def _features(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in FEATURES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown feature {unknown[0] if unknown else text!r}; choose from {','.join(FEATURES)}"
        )
    return names


OUTPUTS = ("boundary.png", "loss.png", "graph.svg", "training.gif")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="microgradx",
        description="Train small networks in the terminal and draw their decision boundary and graph; "
        "start a course; serve the dashboard as a page.",
    )
    parser.add_argument("--version", action="version", version=f"microgradx {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    parser.commands = {  # for errors found after parsing
        "demo": _add_demo(commands),
        "train": _add_train(commands),
        "new-course": _add_new_course(commands),
        "playground": _add_playground(commands),
    }
    return parser


def _add_outputs(p: argparse.ArgumentParser, out: str) -> None:
    p.add_argument("--out", default=out, help=f"folder for {', '.join(OUTPUTS)} (default: {out})")
    p.add_argument(
        "--resolution", type=_positive_int, default=300, help="grid cells per side of the boundary (default: 300)"
    )
    p.add_argument(
        "--size", type=_positive_int, default=800, help="boundary.png's width and height in px (default: 800)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _add_demo(commands) -> argparse.ArgumentParser:
    demo = commands.add_parser(
        "demo",
        help="micrograd's demo: MLP(2, [16, 16, 1]) on 100 moons, SVM loss, 100 steps",
        description="Train micrograd's demo model (MLP(2, [16, 16, 1]), 100 moons points, SVM loss + 1e-4 L2, "
        "learning rate 1.0 - 0.9 k/100) and write its pictures.",
    )
    demo.add_argument("--steps", type=_positive_int, default=100, help="training steps (default: 100)")
    demo.add_argument(
        "--seed", type=int, default=1337, help="seed of the data and the weights (default: 1337, micrograd's)"
    )
    _add_outputs(demo, "out/demo")
    return demo


def _add_train(commands) -> argparse.ArgumentParser:
    train = commands.add_parser(
        "train",
        help="train an MLP on a toy dataset with your settings",
        description="Train an MLP on a toy dataset and write its pictures.",
    )
    _add_data_options(train)
    _add_model_options(train)
    train.add_argument("--seed", type=int, default=0, help="seed of the data, the weights and the batches (default: 0)")
    _add_outputs(train, "out/train")
    return train


def _add_data_options(train: argparse.ArgumentParser) -> None:
    train.add_argument("--dataset", choices=list(DATASETS), default="moons", help="toy dataset (default: moons)")
    train.add_argument(
        "--n", type=_positive_int, default=200, help="points in the dataset, train and test (default: 200)"
    )
    train.add_argument(
        "--classes",
        type=_positive_int,
        default=2,
        help=f"classes, for {' and '.join(MULTICLASS)}: k >= 3 trains k outputs with cross_entropy (default: 2)",
    )
    train.add_argument("--noise", type=_number(), default=None, help="dataset noise (default: the dataset's own)")
    train.add_argument(
        "--test-ratio", type=_number(high=1.0), default=0.2, help="fraction held out for testing (default: 0.2)"
    )
    train.add_argument(
        "--features",
        type=_features,
        default=None,
        help=f"comma-separated input features from {','.join(FEATURES)}; "
        "quote them in a shell, e.g. 'x1,x2,x1*x2' (default: x1,x2)",
    )


def _add_model_options(train: argparse.ArgumentParser) -> None:
    train.add_argument(
        "--layers", type=_layers, default=[16, 16], help="hidden layer widths, e.g. 8,8 (default: 16,16)"
    )
    train.add_argument(
        "--activation",
        choices=[a for a in ACTIVATIONS if a != "linear"],
        default="relu",
        help="hidden activation (default: relu)",
    )
    train.add_argument(
        "--loss",
        choices=list(LOSSES),
        default=None,
        help="loss (default: hinge for two classes, cross_entropy for --classes 3 or more)",
    )
    train.add_argument("--optimizer", choices=list(OPTIMIZERS), default="sgd", help="optimizer (default: sgd)")
    train.add_argument("--steps", type=_positive_int, default=100, help="training steps (default: 100)")
    train.add_argument("--lr", type=_number(strict=True), default=0.1, help="learning rate (default: 0.1)")
    train.add_argument(
        "--schedule",
        choices=["constant", "linear"],
        default="constant",
        help="learning rate schedule; linear falls to lr/10 over the steps (default: constant)",
    )
    train.add_argument("--batch-size", type=_positive_int, default=None, help="points per step (default: all)")
    train.add_argument("--l2", type=_number(), default=0.0, help="L2 penalty weight (default: 0)")


def _add_new_course(commands) -> argparse.ArgumentParser:
    course = commands.add_parser(
        "new-course",
        help="write a ready course repository: a starter lesson, Binder, CI under nbval, a Makefile",
        description="Write a course repository into DIR (new or empty): notebooks/ with a starter lesson that "
        "uses the dashboard, binder/ pinned to this microgradx version, a CI workflow that runs the lessons "
        "under nbval, a Makefile (lab, test) and a README with the Binder badge.",
    )
    course.add_argument("dir", metavar="DIR", help="the folder to create (must not exist, or be empty)")
    course.add_argument("--title", default=None, help="the course's title (default: from DIR's name)")
    course.add_argument(
        "--github", default="OWNER/REPO", help="the course's GitHub path, for the Binder badge (default: OWNER/REPO)"
    )
    return course


def _add_playground(commands) -> argparse.ArgumentParser:
    playground = commands.add_parser(
        "playground",
        help="serve the dashboard alone as a web page (Voila on 127.0.0.1)",
        description="Serve the TrainingDashboard alone as a web page, for a class projector or for students "
        "who do not write code: Voila on 127.0.0.1, on a free port; prints the URL. Ctrl-C stops it.",
    )
    playground.add_argument("--port", type=_positive_int, default=None, help="the port (default: a free one)")
    playground.add_argument("--dataset", choices=list(DATASETS), default="moons", help="first dataset (default: moons)")
    return playground


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 training diverged, 2 bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    sub = parser.commands[args.command]
    if args.command == "new-course":
        return _new_course(args, sub)
    if args.command == "playground":
        return _playground(args, sub)
    try:
        import matplotlib  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError as e:
        parser.error(
            f'{e.name} is missing; the command line needs the widgets extra: pip install "microgradx[widgets]"'
        )
    try:
        trainer = micrograd_demo(seed=args.seed) if args.command == "demo" else _trainer(args)
    except (ValueError, TypeError) as e:
        sub.error(str(e))
    out = Path(args.out)
    problem = _check_out(out)
    if problem:
        sub.error(problem)
    return _train_and_write(trainer, args, out)


def _check_out(out: Path) -> str | None:
    """Why the pictures could not be written into `out` (None if they can): checked before any training."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"cannot create the output folder {out}: {e.strerror}"
    if not os.access(out, os.W_OK | os.X_OK):
        return f"cannot write into the output folder {out}: permission denied"
    for name in (*OUTPUTS, "graph.dot"):
        if (out / name).is_dir():
            return f"cannot write {out / name}: a folder of that name is in the way"
    return None


def _train_and_write(trainer: Trainer, args, out: Path) -> int:
    print(f"training {_describe(trainer)} for {args.steps} steps")
    frames = _FrameRecorder(trainer, args.steps)
    start = time.perf_counter()
    try:
        trainer.fit(args.steps, progress=not args.no_progress)
    except Divergence as e:
        print(f"microgradx: {e}; try a smaller --lr", file=sys.stderr)
        if not trainer.history:
            return 1
    except KeyboardInterrupt:
        print(f"\ninterrupted after {len(trainer.history)} steps; writing the pictures of the last complete step")
        if not trainer.history:
            return 130
    finally:
        frames.stop()
    seconds = time.perf_counter() - start
    final = trainer.evaluate()
    last = trainer.history[-1]
    test = f", test accuracy {final['test_acc']:.1%}" if final["test_acc"] is not None else ""
    print(
        f"{len(trainer.history)} steps in {seconds:.1f} s ({len(trainer.history) / seconds:.1f} steps/s): "
        f"last loss {last['loss']:.4f}, train accuracy {final['train_acc']:.1%}{test}"
    )
    written = _write_outputs(trainer, out, args.resolution, args.size, frames)
    print("wrote " + ", ".join(str(p) for p in written))
    return 0 if len(trainer.history) == args.steps else 1


def _trainer(args) -> Trainer:
    kwargs = {"n": args.n, "seed": args.seed, "test_ratio": args.test_ratio}
    if args.noise is not None:
        kwargs["noise"] = args.noise
    if args.classes != 2:
        kwargs["classes"] = args.classes
    data = load(args.dataset, **kwargs)
    if args.features:
        data = data.with_features(*args.features)
    loss = args.loss or ("cross_entropy" if data.n_classes > 2 else "hinge")
    outputs = data.n_classes if loss == "cross_entropy" else 1  # one score per class, or one score
    model = MLP(data.n_features, [*args.layers, outputs], activation=args.activation, seed=args.seed)
    # the last of `steps` steps (index steps - 1) runs at lr/10, as --help says
    schedule = linear_decay(args.lr, 0.9 * args.lr, max(args.steps - 1, 1)) if args.schedule == "linear" else None
    return Trainer(
        model,
        loss,
        args.optimizer,
        data,
        lr=args.lr,
        batch_size=args.batch_size,
        l2=args.l2,
        lr_schedule=schedule,
        seed=args.seed,
    )


def _describe(trainer: Trainer) -> str:
    model = trainer.model
    shape = f"MLP({', '.join(map(str, model.sizes))})" if isinstance(model, MLP) else type(model).__name__
    return f"{shape} on {trainer.data!r}"


class _FrameRecorder:
    """Frames of the boundary for training.gif: the start, then about every `steps / FRAMES` steps, and the end."""

    FRAMES, SIZE = 40, 320  # pixels per side: every GIF frame is stored whole, large ones get heavy

    def __init__(self, trainer: Trainer, steps: int):
        from .plot import BoundaryPlot

        self.trainer, self.every = trainer, max(1, steps // self.FRAMES)
        self.plot = BoundaryPlot(
            trainer.data, resolution=100, show_loss=False, size=4.0, dpi=self.SIZE // 4, smooth=True
        )
        self.images = [self._frame()]
        self.stop = trainer.subscribe(self._on_event)

    def _on_event(self, event) -> None:
        if event.kind == "step" and (event.step + 1) % self.every == 0:
            self.images.append(self._frame())

    def _frame(self):
        self.plot.update(self.trainer.model, self.trainer.history, self.trainer.threshold)
        return self.plot.to_image()

    def gif(self) -> bytes:
        """The frames as an animated GIF (each frame 120 ms, the last one held for 2 s, looping)."""
        import io

        if len(self.trainer.history) % self.every:
            self.images.append(self._frame())  # the last step, whatever the stride
        frames = [im.quantize(256, dither=0) for im in self.images]  # deterministic: no dithering noise
        out = io.BytesIO()
        durations = [120] * (len(frames) - 1) + [2000]
        frames[0].save(
            out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0, optimize=True
        )
        return out.getvalue()


def _write_outputs(trainer: Trainer, out: Path, resolution: int, size: int, frames: _FrameRecorder) -> list[Path]:
    from .graph import GraphvizNotFound
    from .pictures import write_atomic
    from .plot import BoundaryPlot, history_png

    plot = BoundaryPlot(
        trainer.data, resolution=resolution, show_loss=False, size=size / 100, dpi=100, compress_level=6, smooth=True
    )
    plot.update(trainer.model, trainer.history, trainer.threshold)
    paths = [out / name for name in OUTPUTS]
    plot.save(paths[0])
    write_atomic(paths[1], history_png(trainer.history))
    try:
        write_atomic(paths[2], _graph_svg(trainer))
    except GraphvizNotFound as e:  # no `dot`: keep the DOT text, say how to render it
        paths[2] = write_atomic(out / "graph.dot", e.source)
        print(
            f"microgradx: Graphviz's `dot` is not installed, so graph.svg was not drawn; wrote {paths[2]}",
            file=sys.stderr,
        )
    write_atomic(paths[3], frames.gif())
    return paths


def _graph_svg(trainer: Trainer) -> bytes:
    """The loss on one training sample, collapsed to one node per neuron, with data and gradients, as SVG.

    The sample is the one with the largest loss. When every loss is 0 (each point is beyond the hinge's
    margin, so every gradient of the loss is 0) the graph is of that sample's score instead, whose
    gradients still show how each weight moves the output. With k classes it is the sample's softmax
    cross-entropy over its k scores."""
    from .engine import Value
    from .graph import draw_dot

    model, data = trainer.model, trainer.data
    sample, label, loss_value = _hardest_sample(trainer)
    x = [Value(float(v), label=f) for v, f in zip(data.inputs[sample], data.feature_names)]
    root = model(x)
    if isinstance(root, Value):
        root.label = f"score of sample {sample}"
    if loss_value > 0 or not isinstance(root, Value):
        root = trainer.loss_fn([root], [label])
        root.label = f"loss on sample {sample}"
    model.zero_grad()
    root.backward()
    try:
        return draw_dot(root, model=model, collapse="neuron").pipe(format="svg")
    finally:
        model.zero_grad()  # the pictures leave the model as training left it


def _hardest_sample(trainer: Trainer) -> tuple[int, float | int, float]:
    """(index, label as the loss codes it, loss) of the training sample with the largest loss."""
    from .engine import Value
    from .nn import predict

    coded = coded_for(trainer.data, trainer.loss_fn)  # the labels as the Trainer codes them for its loss
    scores = predict(trainer.model, coded.inputs).reshape(len(coded.y), -1)
    if trainer.n_outputs > 1:
        labels = coded.y.tolist()  # class indices
        each = [trainer.loss_fn([[Value(s) for s in row]], [y]).data for row, y in zip(scores.tolist(), labels)]
    else:
        labels = coded.y.astype(float).tolist()
        each = [trainer.loss_fn([Value(s)], [y]).data for s, y in zip(scores[:, 0].tolist(), labels)]
    sample = int(np.argmax(each))
    return sample, labels[sample], float(each[sample])


def _new_course(args, sub) -> int:
    from .course import new_course

    try:
        written = new_course(args.dir, title=args.title, github=args.github)
    except (ValueError, OSError) as e:
        sub.error(str(e))
    print(f"wrote a course in {args.dir}: {len(written)} files. Next: cd {args.dir} && make test")
    return 0


def _playground(args, sub) -> int:
    from .playground import serve

    try:
        return serve(port=args.port, dataset=args.dataset)
    except (ValueError, ImportError) as e:
        sub.error(str(e))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
