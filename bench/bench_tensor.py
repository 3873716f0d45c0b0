"""Tensor engine vs PyTorch CPU, hand-written NumPy and the scalar engine, on the same models, data and loss.

1. One full-batch SGD step of MLP(2, [16, 16, 1]) with the hinge loss on 100 moons points: our Tensor
   engine, torch float64 and float32, NumPy written by hand (the floor: no graph at all) and the scalar
   `Value` engine (GC paused, as our trainer runs it). All start from the same weights; the first step's
   losses are checked equal before anything is timed.
2. One epoch of a small CNN on scikit-learn's digits (1347 training images, batches of 64, Adam).
"""

from __future__ import annotations

import os
import time

import numpy as np

try:
    from ._timing import median_time
except ImportError:  # run as a script
    from _timing import median_time

from microgradx import MLP, Tensor, gc_paused, losses, nn, optim
from microgradx.interop import to_torch
from microgradx.nn.layers import neuron_arrays

STEPS_PER_CALL = 20  # a step takes ~100 us: time 20 in a row and divide
LR = 0.1
CPU = time.thread_time  # one-thread rows: this thread's CPU time, steady on a busy machine (torch runs inline)


def conditions() -> str:
    """The BLAS kernel and the machine's load when a group starts: what the numbers below depend on."""
    from threadpoolctl import threadpool_info

    blas = next(
        (f"{i['internal_api']} {i.get('architecture', '')}" for i in threadpool_info() if i["user_api"] == "blas"), "?"
    )
    coretype = os.environ.get("OPENBLAS_CORETYPE", "unset")
    return f"BLAS {blas.strip()} (OPENBLAS_CORETYPE {coretype}); load average {os.getloadavg()[0]:.1f} at start"


def moons():
    from sklearn.datasets import make_moons

    X, y = make_moons(100, noise=0.1, random_state=0)
    return X, 2.0 * y - 1.0


# ---- the MLP step, five ways -------------------------------------------------------------------------


def ours_step(scalar: MLP, X, y):
    model = nn.Sequential.from_mlp(scalar)
    opt = optim.SGD(model.parameters(), lr=LR)
    Xt = Tensor(X)

    def step():
        opt.zero_grad()
        loss = losses.hinge_loss(model(Xt), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def scalar_step(scalar: MLP, X, y):
    model = MLP(2, [16, 16, 1], seed=0)
    model.load_state_dict(scalar.state_dict())
    opt = optim.SGD(model.parameters(), lr=LR)
    rows = [list(map(float, x)) for x in X]

    def step():
        with gc_paused():
            opt.zero_grad()
            loss = losses.hinge_loss([model(x) for x in rows], y)
            loss.backward()
            opt.step()
            return loss.data

    return step


def numpy_step(scalar: MLP, X, y):
    """Forward and backward written out by hand: what any graph-building engine is compared against."""
    params = [neuron_arrays(layer.neurons) for layer in scalar.layers]  # copies

    def step():
        acts = [X]
        for i, (W, b) in enumerate(params):
            z = acts[-1] @ W.T + b
            acts.append(np.maximum(z, 0) if i < len(params) - 1 else z)
        margin = 1 - y * acts[-1][:, 0]
        loss = np.maximum(margin, 0).mean()
        g = ((margin > 0) * -y / len(y))[:, None]
        for i in range(len(params) - 1, -1, -1):
            W, b = params[i]
            gW, gb = g.T @ acts[i], g.sum(axis=0)
            if i:
                g = (g @ W) * (acts[i] > 0)
            W -= LR * gW
            b -= LR * gb
        return loss

    return step


def one_thread(step):
    """Run a step with one thread for torch and for NumPy's BLAS: on a busy 2-core machine, idle worker
    threads spinning for work cost more than tiny matrices gain from them."""
    import torch
    from threadpoolctl import threadpool_limits

    def run():
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with threadpool_limits(1):
                return step()
        finally:
            torch.set_num_threads(before)

    return run


def torch_step(scalar: MLP, X, y, dtype):
    import torch

    model = to_torch(scalar, dtype)  # Linear, ReLU, Linear, ReLU, Linear with the same weights
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, yt = torch.tensor(X, dtype=dtype), torch.tensor(y, dtype=dtype)

    def step():
        opt.zero_grad()
        loss = torch.relu(1 - model(Xt)[:, 0] * yt).mean()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def repeated(step, n=STEPS_PER_CALL):
    def run():
        for _ in range(n):
            step()

    return run


def mlp_rows(quick: bool) -> list[dict]:
    import torch

    X, y = moons()
    scalar = MLP(2, [16, 16, 1], seed=1337)
    steps = {
        "ours": ours_step(scalar, X, y),
        "torch float64": torch_step(scalar, X, y, torch.float64),
        "torch float32": torch_step(scalar, X, y, torch.float32),
        "torch float64, 1 thread": one_thread(torch_step(scalar, X, y, torch.float64)),
        "numpy by hand (the floor)": numpy_step(scalar, X, y),
        "scalar Value engine, GC paused": scalar_step(scalar, X, y),
    }
    first = {name: step() for name, step in steps.items()}  # same weights, same data: same loss
    for name, loss in first.items():
        if abs(loss - first["ours"]) > 1e-5:
            raise AssertionError(f"{name} computes loss {loss}, ours {first['ours']}: not the same step")
    repeat = 3 if quick else 7
    load = conditions()
    per_step = {
        name: median_time(repeated(step), repeat=repeat, clock=CPU if "1 thread" in name else time.perf_counter)
        / STEPS_PER_CALL
        for name, step in steps.items()
        if not name.startswith("scalar")
    }
    per_step["scalar Value engine, GC paused"] = median_time(
        steps["scalar Value engine, GC paused"], 1 if quick else 3, 1
    )
    ours_1 = median_time(one_thread(repeated(steps["ours"])), repeat=repeat, clock=CPU) / STEPS_PER_CALL
    group = "tensor: MLP(2, [16, 16, 1]) full-batch SGD step, hinge loss, 100 moons points"
    note = f"default threads (torch: {torch.get_num_threads()}); same weights, first-step losses checked equal; {load}"
    rows = [
        {"group": group, "case": "Tensor float64 step", "ours_s": per_step["ours"], "peer": name,
         "peer_s": per_step[name], "note": note if name == "torch float64" else ""}
        for name in steps if name not in ("ours", "torch float64, 1 thread")
    ]  # fmt: skip
    rows.insert(2, {"group": group, "case": "Tensor float64 step, 1 thread", "ours_s": ours_1,
                    "peer": "torch float64, 1 thread", "peer_s": per_step["torch float64, 1 thread"],
                    "note": "torch and NumPy's BLAS both limited to one thread; CPU time"})  # fmt: skip
    return rows


# ---- the digits CNN epoch ----------------------------------------------------------------------------


def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    X, y = (d.images / 16.0)[:, None], d.target
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def cnn(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, seed=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, seed=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 10, seed=rng),
    )


def ours_epoch(Xtr, ytr, batches):
    model = cnn()
    opt = optim.Adam(model.parameters(), lr=0.01)

    def epoch():
        for b in batches:
            opt.zero_grad()
            losses.cross_entropy(model(Xtr[b]), ytr[b]).backward()
            opt.step()

    return epoch, model


def torch_epoch(Xtr, ytr, batches, state, dtype):
    import torch
    import torch.nn.functional as F

    ours = cnn()
    ours.load_state_dict(state)
    model = to_torch(ours, dtype)  # the same layers and weights in torch
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    X, y = torch.tensor(Xtr, dtype=dtype), torch.tensor(ytr)
    tb = [torch.tensor(b) for b in batches]

    def epoch():
        for b in tb:
            opt.zero_grad()
            F.cross_entropy(model(X[b]), y[b]).backward()
            opt.step()

    return epoch


def numpy_epoch(Xtr, ytr, batches, state):
    """The same CNN, loss and Adam written out by hand in NumPy, no graph: the floor for any engine.
    Returns (epoch, step(batch) -> loss, the parameters by name, updated in place)."""
    from numpy.lib.stride_tricks import sliding_window_view

    P = {k: np.array(w, dtype=np.float64) for k, w in state.items()}
    m, v, t = {k: 0.0 for k in P}, {k: 0.0 for k in P}, [0]
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01  # optim.Adam's defaults, lr as the other contenders

    def conv(x, W, b):  # 3x3, padding 1, via im2col: rows (n, h, w), columns (c, i, j), one matmul
        N, C, H, Wd = x.shape
        win = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), axis=(2, 3))
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(N * H * Wd, C * 9)
        out = cols @ W.reshape(len(W), -1).T + b
        return out.reshape(N, H, Wd, -1).transpose(0, 3, 1, 2), cols

    def conv_back(g, x_shape, W, cols, need_dx=True):
        N, C, H, Wd = x_shape
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, len(W))  # (n h w, out channels)
        gW, gb = (g2.T @ cols).reshape(W.shape), g2.sum(0)
        if not need_dx:
            return gW, gb, None
        dcols = (g2 @ W.reshape(len(W), -1)).reshape(N, H, Wd, C, 3, 3)
        dx = np.zeros((N, C, H + 2, Wd + 2))
        for i in range(3):  # col2im: kernel offset (i, j) read the padded input shifted by (i, j)
            for j in range(3):
                dx[:, :, i : i + H, j : j + Wd] += dcols[..., i, j].transpose(0, 3, 1, 2)
        return gW, gb, dx[:, :, 1:-1, 1:-1]

    def pool(x):  # 2x2, stride 2: each window's 4 values on the last axis; the first argmax, as torch
        N, C, H, W = x.shape
        win = x.reshape(N, C, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H // 2, W // 2, 4)
        k = win.argmax(-1)
        return np.take_along_axis(win, k[..., None], -1)[..., 0], k

    def pool_back(g, k, shape):  # the gradient goes to exactly one max per window, even on ties
        N, C, H, W = shape
        d = (np.arange(4) == k[..., None]) * g[..., None]
        return d.reshape(N, C, H // 2, W // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(shape)

    def step(b):
        x, y, n = Xtr[b], ytr[b], len(b)
        z1, c1 = conv(x, P["0.weight"], P["0.bias"])
        p1, k1 = pool(np.maximum(z1, 0))
        z2, c2 = conv(p1, P["3.weight"], P["3.bias"])
        p2, k2 = pool(np.maximum(z2, 0))
        f = p2.reshape(n, -1)
        s = f @ P["7.weight"].T + P["7.bias"]
        s = s - s.max(1, keepdims=True)  # stable log-softmax
        logp = s - np.log(np.exp(s).sum(1, keepdims=True))
        loss = -logp[np.arange(n), y].mean()
        g = (np.exp(logp) - (np.arange(s.shape[1]) == y[:, None])) / n  # d loss / d logits: (softmax - one-hot) / n
        G = {"7.weight": g.T @ f, "7.bias": g.sum(0)}
        g = pool_back((g @ P["7.weight"]).reshape(p2.shape), k2, z2.shape) * (z2 > 0)  # ReLU passes z > 0
        G["3.weight"], G["3.bias"], g = conv_back(g, p1.shape, P["3.weight"], c2)
        g = pool_back(g, k1, z1.shape) * (z1 > 0)
        G["0.weight"], G["0.bias"], _ = conv_back(g, x.shape, P["0.weight"], c1, need_dx=False)
        t[0] += 1
        for k, w in P.items():  # Adam: bias-corrected moments, w -= lr * m_hat / (sqrt(v_hat) + eps)
            m[k] = b1 * m[k] + (1 - b1) * G[k]
            v[k] = b2 * v[k] + (1 - b2) * G[k] * G[k]
            w -= lr * (m[k] / (1 - b1 ** t[0])) / (np.sqrt(v[k] / (1 - b2 ** t[0])) + eps)
        return loss

    def epoch():
        for b in batches:
            step(b)

    return epoch, step, P


def check_floor(Xtr, ytr, batches, state):
    """One step on the first batch, ours vs the floor: same loss (1e-10 relative), same weights (1e-8)."""
    model = cnn()
    model.load_state_dict(state)
    opt = optim.Adam(model.parameters(), lr=0.01)
    opt.zero_grad()
    loss = losses.cross_entropy(model(Xtr[batches[0]]), ytr[batches[0]])
    loss.backward()
    opt.step()
    _, step, P = numpy_epoch(Xtr, ytr, batches, state)
    floor = step(batches[0])
    if abs(floor - loss.item()) > 1e-10 * abs(loss.item()):
        raise AssertionError(f"the NumPy floor computes first-batch loss {floor!r}, ours {loss.item()!r}")
    for k, w in model.state_dict().items():
        if not np.allclose(P[k], w, rtol=0, atol=1e-8):
            raise AssertionError(f"after one step the floor's {k} is off by {np.abs(P[k] - w).max():.3g}")


def cnn_rows(quick: bool) -> list[dict]:
    import torch

    Xtr, Xte, ytr, yte = digits()
    order = np.random.default_rng(0).permutation(len(Xtr))
    batches = [order[i : i + 64] for i in range(0, len(order), 64)]
    ours, model = ours_epoch(Xtr, ytr, batches)
    state = model.state_dict()
    check_floor(Xtr, ytr, batches, state)  # before any timing: the floor must train the same model
    repeat = 2 if quick else 5
    load = conditions()
    t_ours = median_time(ours, repeat=repeat, warmup=1)
    acc = losses.accuracy(model(Xte), yte)
    group = f"tensor: digits CNN, one epoch ({len(Xtr)} images, batches of 64, Adam)"
    floor = numpy_epoch(Xtr, ytr, batches, state)[0]
    t_ours_1 = median_time(one_thread(ours), repeat=repeat, warmup=1, clock=CPU)
    rows = []
    for name, epoch, threads in [
        ("torch float64", torch_epoch(Xtr, ytr, batches, state, torch.float64), None),
        ("torch float32", torch_epoch(Xtr, ytr, batches, state, torch.float32), None),
        ("torch float64, 1 thread", torch_epoch(Xtr, ytr, batches, state, torch.float64), 1),
        ("numpy by hand (the floor)", floor, None),
        ("numpy by hand (the floor), 1 thread", floor, 1),
    ]:
        if threads is None:
            t = median_time(epoch, repeat=repeat, warmup=1)
        else:
            t = median_time(one_thread(epoch), repeat=repeat, warmup=1, clock=CPU)
        mine = t_ours if threads is None else t_ours_1
        note = f"after these epochs ours reaches {acc:.1%} test accuracy; {load}" if name == "torch float64" else ""
        note = "first-batch loss and updated weights checked equal to ours" if name.startswith("numpy") else note
        note = "torch and NumPy's BLAS both limited to one thread; CPU time" if threads else note
        case = "Tensor float64 epoch" + (", 1 thread" if threads else "")
        rows.append({"group": group, "case": case, "ours_s": mine, "peer": name, "peer_s": t, "note": note})
    return rows


def run(quick: bool = False) -> list[dict]:
    return mlp_rows(quick) + cnn_rows(quick)


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
