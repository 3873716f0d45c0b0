"""The `microgradx` command: train in the terminal with a progress bar and write the pictures.

    microgradx demo --out out/demo          # micrograd's demo: MLP(2, [16, 16, 1]) on 100 moons, 100 steps
    microgradx train --dataset spiral --layers 8,8 --activation tanh --steps 300 --lr 0.1 --out out/spiral

Both write `boundary.png` (decision boundary and points), `loss.png` (loss and accuracy per step) and
`graph.svg` (the model's computation graph, one node per layer) into `--out`.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from . import __version__
from .data import DATASETS, FEATURES, load
from .nn.mlp import ACTIVATIONS, MLP
from .train import LOSSES, OPTIMIZERS, Divergence, Trainer, linear_decay, micrograd_demo

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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="microgradx",
        description="Train small networks in the terminal and draw their decision boundary and graph.",
    )
    parser.add_argument("--version", action="version", version=f"microgradx {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def common(p: argparse.ArgumentParser, out: str) -> None:
        p.add_argument("--out", default=out, help=f"folder for boundary.png, loss.png, graph.svg (default: {out})")
        p.add_argument(
            "--resolution",
            type=_positive_int,
            default=200,
            help="grid cells per side of the boundary plot (default: 200)",
        )
        p.add_argument("--no-progress", action="store_true", help="no progress bar")

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
    common(demo, "out/demo")

    train = commands.add_parser(
        "train",
        help="train an MLP on a toy dataset with your settings",
        description="Train an MLP on a toy dataset and write its pictures.",
    )
    train.add_argument("--dataset", choices=list(DATASETS), default="moons", help="toy dataset (default: moons)")
    train.add_argument(
        "--n", type=_positive_int, default=200, help="points in the dataset, train and test (default: 200)"
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
    train.add_argument(
        "--layers", type=_layers, default=[16, 16], help="hidden layer widths, e.g. 8,8 (default: 16,16)"
    )
    train.add_argument(
        "--activation",
        choices=[a for a in ACTIVATIONS if a != "linear"],
        default="relu",
        help="hidden activation (default: relu)",
    )
    train.add_argument("--loss", choices=list(LOSSES), default="hinge", help="loss (default: hinge)")
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
    train.add_argument("--seed", type=int, default=0, help="seed of the data, the weights and the batches (default: 0)")
    common(train, "out/train")
    parser.commands = {"demo": demo, "train": train}  # for errors found after parsing
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 training diverged, 2 bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError as e:
        parser.error(
            f'{e.name} is missing; the command line needs the widgets extra: pip install "microgradx[widgets]"'
        )
    sub = parser.commands[args.command]
    try:
        trainer = micrograd_demo(seed=args.seed) if args.command == "demo" else _trainer(args)
    except (ValueError, TypeError) as e:
        sub.error(str(e))
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        sub.error(f"cannot create the output folder {out}: {e.strerror}")

    print(f"training {_describe(trainer)} for {args.steps} steps")
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
    seconds = time.perf_counter() - start
    final = trainer.evaluate()
    last = trainer.history[-1]
    test = f", test accuracy {final['test_acc']:.1%}" if final["test_acc"] is not None else ""
    print(
        f"{len(trainer.history)} steps in {seconds:.1f} s ({len(trainer.history) / seconds:.1f} steps/s): "
        f"last loss {last['loss']:.4f}, train accuracy {final['train_acc']:.1%}{test}"
    )
    written = _write_outputs(trainer, out, args.resolution)
    print("wrote " + ", ".join(str(p) for p in written))
    return 0 if len(trainer.history) == args.steps else 1


def _trainer(args) -> Trainer:
    kwargs = {"n": args.n, "seed": args.seed, "test_ratio": args.test_ratio}
    if args.noise is not None:
        kwargs["noise"] = args.noise
    data = load(args.dataset, **kwargs)
    if args.features:
        data = data.with_features(*args.features)
    model = MLP(data.n_features, [*args.layers, 1], activation=args.activation, seed=args.seed)
    # the last of `steps` steps (index steps - 1) runs at lr/10, as --help says
    schedule = linear_decay(args.lr, 0.9 * args.lr, max(args.steps - 1, 1)) if args.schedule == "linear" else None
    return Trainer(
        model,
        args.loss,
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


def _write_outputs(trainer: Trainer, out: Path, resolution: int) -> list[Path]:
    from .graph import GraphvizNotFound
    from .plot import BoundaryPlot, history_png

    plot = BoundaryPlot(trainer.data, resolution=resolution, show_loss=False, compress_level=6)
    plot.update(trainer.model, trainer.history, trainer.threshold)
    paths = [out / "boundary.png", out / "loss.png", out / "graph.svg"]
    plot.save(paths[0])
    paths[1].write_bytes(history_png(trainer.history))
    try:
        paths[2].write_bytes(_graph_svg(trainer))
    except GraphvizNotFound as e:  # no `dot`: keep the DOT text, say how to render it
        paths[2] = out / "graph.dot"
        paths[2].write_text(e.source)
        print(
            f"microgradx: Graphviz's `dot` is not installed, so graph.svg was not drawn; wrote {paths[2]}",
            file=sys.stderr,
        )
    return paths


def _graph_svg(trainer: Trainer) -> bytes:
    """The model's graph for one input point, collapsed to one node per layer, as SVG."""
    from .engine import Value
    from .graph import draw_dot

    model = trainer.model
    x = [Value(float(v), label=name) for v, name in zip(trainer.data.inputs[0], trainer.data.feature_names)]
    score = model(x)
    score.label = "score"
    return draw_dot(score, model=model, collapse="layer", show_grad=False).pipe(format="svg")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
