"""Scalar engine vs micrograd 0.1.0 on micrograd's own moons demo, at the same graph granularity.

Both engines run the *same code* on the same weights and data: micrograd's demo loss (SVM max-margin
+ 1e-4 L2), one graph node per scalar add/mul, a plain SGD update. Before timing, the two losses and all
gradients are checked to agree, so the comparison is of two engines doing identical work.

The cyclic garbage collector matters here. micrograd's nodes hold closures that refer back to their own
node, so every graph is a web of reference cycles: with the collector on (as users run it) it rescans the
growing graph again and again while the step builds it, and only the collector can free it. Our graphs
have no cycles, and our training loop runs a step inside `gc_paused()`. Every case is reported both ways.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext

from microgradx import MLP, Value, gc_paused
from microgradx.engine import topological_order

from ._timing import spread

SEED = 1337
ALPHA = 1e-4
CHAIN = 100_000  # micrograd's recursive sort fails long before this
LONG_CHAIN = 1_000_000  # ours alone
# CPU time of this process: the engines are single-threaded, and other load on the machine then adds no noise
CLOCK = time.process_time
STEP_REPEAT = 11  # the headline rows: more runs than the rest, this VM's timings spread by +-30%
MG_ON, MG_OFF = "micrograd 0.1.0 (GC on)", "micrograd 0.1.0 (GC off)"


def _moons(n: int) -> tuple[list[list[float]], list[float]]:
    """micrograd's demo data: make_moons(n, noise=0.1), labels mapped to -1/+1, as plain floats."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=0.1, random_state=1)
    return X.tolist(), (y * 2 - 1).astype(float).tolist()


def _micrograd_twin(ours: MLP):
    """micrograd's MLP with exactly our weights (micrograd draws from the global `random`: restored after)."""
    from micrograd import nn as mnn

    state = random.getstate()
    try:
        theirs = mnn.MLP(ours.sizes[0], ours.sizes[1:])
    finally:
        random.setstate(state)
    for our_layer, their_layer in zip(ours.layers, theirs.layers, strict=True):
        for our_n, their_n in zip(our_layer.neurons, their_layer.neurons, strict=True):
            for our_w, their_w in zip(our_n.w, their_n.w, strict=True):
                their_w.data = our_w.data
            their_n.b.data = our_n.b.data
    return theirs


def _loss_fn(model, value_cls, X, y) -> Callable:
    """micrograd's demo `loss()`, verbatim but for the Value class."""
    params = model.parameters()

    def loss():
        inputs = [list(map(value_cls, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in params)
        return data_loss + reg_loss

    return loss


def _step_fn(model, loss, lr: float = 0.0) -> Callable:
    """One demo step: forward, zero_grad, backward, SGD update (lr=0 keeps the weights fixed across repeats)."""
    params = model.parameters()

    def step():
        total = loss()
        for p in params:
            p.grad = 0.0
        total.backward()
        for p in params:
            p.data -= lr * p.grad

    return step


class _Pair:
    """Our MLP and micrograd's twin with the same weights, on the same data, with loss and step functions."""

    def __init__(self, n: int = 100, width: int = 16):
        from micrograd.engine import Value as MValue

        X, y = _moons(n)
        self.ours = MLP(2, [width, width, 1], seed=SEED)
        self.theirs = _micrograd_twin(self.ours)
        self.our_loss = _loss_fn(self.ours, Value, X, y)
        self.their_loss = _loss_fn(self.theirs, MValue, X, y)
        self.our_step = _step_fn(self.ours, self.our_loss)
        self.their_step = _step_fn(self.theirs, self.their_loss)
        self.nodes = 0

    def check_same(self) -> None:
        """Same loss and gradients to rounding, else the benchmark would compare different work."""
        for model in (self.ours, self.theirs):
            model.zero_grad()
        with gc_paused():
            a, b = self.our_loss(), self.their_loss()
            a.backward()
            b.backward()
        self.nodes = len(topological_order(a))
        if abs(a.data - b.data) > 1e-12 * max(1.0, abs(b.data)):
            raise AssertionError(f"losses differ: ours {a.data!r}, micrograd {b.data!r}")
        for p, q in zip(self.ours.parameters(), self.theirs.parameters(), strict=True):
            if abs(p.grad - q.grad) > 1e-10 * max(1.0, abs(q.grad)):
                raise AssertionError(f"gradients differ: ours {p.grad!r}, micrograd {q.grad!r}")


def _race(contenders: dict, repeat: int, warmup: int, steady: int = 0) -> dict[str, list[float]]:
    """Seconds per call for each contender, timed in turns so that background load hits all of them alike.

    `contenders` maps a name to ``(fn, gc_off)`` or ``(fn, gc_off, setup)``: `fn()` (or `fn(setup())`, the
    setup untimed) runs after a `gc.collect()`, with the collector in its normal state (gc_off=False) or
    switched off around the call (gc_off=True). The order of the turns rotates from round to round.

    With `steady` = k > 0 (training steps), a sample is the mean of k consecutive calls after one untimed
    call, as a training loop runs them: each step then pays for the garbage the step before it left, which
    is how micrograd's users pay for its reference cycles (a `gc.collect()` before every step would hide it).
    """
    names = list(contenders)
    out: dict[str, list[float]] = {name: [] for name in names}
    for i in range(warmup + repeat):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            fn, gc_off, *setup = contenders[name]
            with gc_paused():  # untimed, so spare it the collector
                args = (setup[0](),) if setup else ()
            gc.collect()
            with gc_paused() if gc_off else nullcontext():
                if steady:
                    fn(*args)  # untimed: leaves what the previous step of a training loop leaves
                t0 = CLOCK()
                for _ in range(max(steady, 1)):
                    fn(*args)
                t = (CLOCK() - t0) / max(steady, 1)
            del args
            if i >= warmup:
                out[name].append(t)
    return out


def _row(group, case, ours_ts, peer, peer_ts, note=""):
    noise = f"spread ours {spread(ours_ts):.0%}" + (f", peer {spread(peer_ts):.0%}" if peer_ts else "")
    return {
        "group": group,
        "case": case,
        "ours_s": statistics.median(ours_ts),
        "peer": peer,
        "peer_s": statistics.median(peer_ts) if peer_ts else None,
        "note": f"{note}; {noise}" if note else noise,
    }


def _step_rows(repeat: int, warmup: int, known: dict) -> list[dict]:
    pair = _Pair(100, 16)
    pair.check_same()
    group = f"scalar engine vs micrograd (CPU time): moons demo step, MLP(2,[16,16,1]), n=100, {pair.nodes:,} nodes"
    t = _race(
        {
            "ours paused": (pair.our_step, True),
            "ours plain": (pair.our_step, False),
            "mg on": (pair.their_step, False),
            "mg off": (pair.their_step, True),
        },
        repeat,
        warmup,
        steady=3,
    )
    known[100, 16] = pair, {"ours": t["ours paused"], "mg off": t["mg off"], "mg on": t["mg on"]}
    rows = [
        _row(
            group,
            "step: ours in gc_paused (as Trainer runs it) vs micrograd as users run it",
            t["ours paused"],
            MG_ON,
            t["mg on"],
            "target >= 25x",
        ),
        _row(
            group,
            "step: ours in a plain loop vs micrograd, GC on in both",
            t["ours plain"],
            MG_ON,
            t["mg on"],
            "target >= 10x",
        ),
        _row(group, "step: engine alone, GC off in both", t["ours paused"], MG_OFF, t["mg off"], "target >= 2.5x"),
    ]
    parts = {
        "forward only (build graph + loss)": {"ours": (pair.our_loss,), "mg": (pair.their_loss,)},
        "backward only (on a fresh graph)": {"ours": (_backward, pair.our_loss), "mg": (_backward, pair.their_loss)},
    }
    for part, fns in parts.items():
        t = _race(
            {
                "ours on": (fns["ours"][0], False, *fns["ours"][1:]),
                "mg on": (fns["mg"][0], False, *fns["mg"][1:]),
                "ours off": (fns["ours"][0], True, *fns["ours"][1:]),
                "mg off": (fns["mg"][0], True, *fns["mg"][1:]),
            },
            3,  # forward and backward apart: fewer runs, they are the detail
            warmup,
        )
        rows.append(_row(group, f"{part}, GC on in both", t["ours on"], MG_ON, t["mg on"]))
        rows.append(_row(group, f"{part}, GC off in both", t["ours off"], MG_OFF, t["mg off"]))
    return rows


def _backward(loss) -> None:
    loss.backward()


def _chain(value_cls, n: int):
    """y = x + x + ... + x, a chain of n adds: dy/dx = n + 1."""
    x = value_cls(1.0)
    y = x
    for _ in range(n):
        y = y + x
    return x, y


def _chain_run(value_cls, n: int, times: int = 1) -> Callable:
    def forward_backward():
        for _ in range(times):
            x, y = _chain(value_cls, n)
            y.backward()
            if x.grad != n + 1:
                raise AssertionError(f"chain of {n}: dy/dx is {x.grad!r}, expected {n + 1}")

    return forward_backward


def _chain_rows(repeat: int, warmup: int) -> list[dict]:
    from micrograd.engine import Value as MValue

    group = "scalar engine vs micrograd (CPU time): a chain of adds, forward + backward"
    # 900 ops is still inside micrograd's reach: its recursive topological sort takes one frame per node
    n, k = 900, 20  # k chains per timed run: one takes about a millisecond
    t = _race({"ours": (_chain_run(Value, n, k), False), "mg": (_chain_run(MValue, n, k), False)}, repeat, warmup)
    rows = [_row(group, f"{n:,} ops, GC on in both", [s / k for s in t["ours"]], MG_ON, [s / k for s in t["mg"]])]

    n = CHAIN
    ours_ts = _race({"ours": (_chain_run(Value, n), False)}, repeat, warmup)["ours"]
    try:
        _chain_run(MValue, n)()
    except RecursionError:
        rows.append(_row(group, f"{n:,} ops, GC on in both", ours_ts, MG_ON, None, _FAILS))
    else:  # a micrograd that copes: time it like anything else
        peer_ts = _race({"mg": (_chain_run(MValue, n), False)}, repeat, warmup)["mg"]
        rows.append(_row(group, f"{n:,} ops, GC on in both", ours_ts, MG_ON, peer_ts))
    n = LONG_CHAIN
    ours_ts = _race({"ours": (_chain_run(Value, n), False)}, 3, 1)["ours"]
    rows.append(_row(group, f"{n:,} ops, GC on", ours_ts, None, None, f"ours alone: dy/dx = {n + 1:,} exactly"))
    return rows


_FAILS = f"micrograd fails (RecursionError); ours gives dy/dx = {CHAIN + 1:,} exactly"


@contextmanager
def _recursion_limit(limit: int):
    """Raise the recursion limit for micrograd's recursive sort (Python 3.11 frames do not use the C stack)."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def _scaling_rows(repeat: int, warmup: int, sizes, widths, known: dict, gc_on_up_to: int) -> list[dict]:
    """Step time over data size and width: ours in gc_paused vs micrograd with GC off (engine vs engine).

    micrograd with GC on is timed once per case (its time grows faster than the graph) while the graph has at
    most `gc_on_up_to` nodes; beyond that a single step takes tens of seconds.
    """
    group = "scalar engine vs micrograd (CPU time): scaling with data and width (ours in gc_paused, micrograd GC off)"
    rows, base = [], None
    for n, width in [(n, 16) for n in sizes] + [(100, w) for w in widths if w != 16]:
        notes = []
        if (n, width) in known:  # timed with the demo step above: the same numbers in both tables
            pair, t = known[n, width]
            notes.append(f"micrograd GC on: {statistics.median(t['mg on']):.2f} s")
        else:
            pair, deep = _Pair(n, width), False
            try:
                pair.check_same()
            except RecursionError:  # micrograd's sort recurses once per node along the longest path
                notes.append("micrograd: RecursionError at the default recursion limit, timed with a limit of 20000")
                deep = True
            with _recursion_limit(20_000) if deep else nullcontext():
                if deep:
                    pair.check_same()
                runs = repeat if pair.nodes > 100_000 else repeat + 2  # small graphs are cheap: more runs
                t = _race({"ours": (pair.our_step, True), "mg off": (pair.their_step, True)}, runs, warmup)
                if pair.nodes <= gc_on_up_to:
                    on = _race({"mg on": (pair.their_step, False)}, 1, 0)["mg on"][0]
                    notes.append(f"micrograd GC on: {on:.2f} s (1 run)")
        if (n, width) == (100, 16):
            base = statistics.median(t["ours"])
        case = f"MLP(2,[{width},{width},1]), n={n}, {pair.nodes:,} nodes"
        rows.append(_row(group, case, t["ours"], MG_OFF, t["mg off"], "; ".join(notes)))
    if base:
        for row in rows:
            row["note"] = f"ours {row['ours_s'] / base:.2f}x the n=100 width-16 step; " + row["note"]
    return rows


def run(quick: bool = False) -> list[dict]:
    """Every scalar-engine row. `quick`: fewer repeats and a smaller scaling sweep."""
    try:
        import micrograd  # noqa: F401
    except ImportError:
        raise ImportError(
            "bench_engine needs micrograd 0.1.0: pip install 'micrograd==0.1.0' (make bench does)"
        ) from None
    repeat, warmup = (3, 1) if quick else (7, 2)
    sizes, widths = ((50, 100, 200), (8,)) if quick else ((50, 100, 200, 400), (8, 16, 32))
    known: dict = {}
    phases = [
        ("moons step, forward, backward", lambda: _step_rows(repeat if quick else STEP_REPEAT, warmup, known)),
        ("chains of adds", lambda: _chain_rows(repeat, warmup)),
        ("scaling", lambda: _scaling_rows(3, 1, sizes, widths, known, gc_on_up_to=0 if quick else 140_000)),
    ]
    rows = []
    for name, phase in phases:
        t0 = time.perf_counter()
        rows += phase()
        print(f"  bench_engine: {name} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    return rows
