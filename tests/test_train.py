"""The training loop: history and events, seeds, safety (NaN/inf, interrupts, stop), engines, the micrograd preset."""

import math
import threading

import numpy as np
import pytest
import torch

from microgradx import MLP, losses
from microgradx.data import blobs, moons, plane, spiral, xor
from microgradx.nn import Linear, Sequential, Tanh, predict
from microgradx.optim import SGD
from microgradx.train import Divergence, Event, Trainer, linear_decay, micrograd_demo

KEYS = {"step", "loss", "train_acc", "test_acc", "lr", "seconds"}


def small(seed=0, loss="hinge", optimizer="sgd", **kw):
    data = kw.pop("data", None) or moons(n=40, seed=seed, test_ratio=0.25)
    return Trainer(MLP(2, [6, 1], seed=seed), loss, optimizer, data, **{"lr": 0.1, **kw})


def params(trainer):
    return [p.data for p in trainer.params]


def test_history_records_and_events():
    trainer = small(lr_schedule=lambda k: 0.5 / (k + 1))
    events = []
    unsubscribe = trainer.subscribe(events.append)
    history = trainer.fit(3)
    assert history is trainer.history and [r["step"] for r in history] == [0, 1, 2]
    for r in history:
        assert set(r) == KEYS
        assert 0 <= r["train_acc"] <= 1 and 0 <= r["test_acc"] <= 1 and r["seconds"] > 0
    assert [r["lr"] for r in history] == [0.5, 0.25, 0.5 / 3]
    assert [(e.kind, e.step) for e in events] == [("step", 0), ("step", 1), ("step", 2)]
    assert all(isinstance(e, Event) and e.record == trainer.history[e.step] for e in events)
    unsubscribe()
    trainer.step()
    assert len(events) == 3 and trainer.steps_done == 4


def test_record_describes_the_parameters_the_step_started_from():
    trainer = small()
    before = trainer.evaluate()
    record = trainer.step()
    assert record["train_acc"] == before["train_acc"] and record["test_acc"] == before["test_acc"]


def test_one_step_matches_pytorch():
    """Loss with L2 and the SGD update agree with the same MLP in PyTorch (float64)."""
    data = moons(n=30, seed=4)
    model = MLP(2, [5, 4, 1], activation="tanh", seed=4)
    W = [
        torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        for layer in model.layers
    ]
    B = [
        torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        for layer in model.layers
    ]
    trainer = Trainer(model, "hinge", "sgd", data, lr=0.3, l2=1e-3)
    record = trainer.step()

    h = torch.tensor(data.X)
    for i, (w, b) in enumerate(zip(W, B)):
        h = h @ w.T + b
        h = torch.tanh(h) if i < len(W) - 1 else h
    y = torch.tensor(data.y, dtype=torch.float64)
    loss = torch.relu(1 - y * h[:, 0]).mean() + 1e-3 * sum((p * p).sum() for p in W + B)
    loss.backward()
    assert record["loss"] == pytest.approx(loss.item(), rel=1e-12)
    with torch.no_grad():
        for layer, w, b in zip(model.layers, W, B):
            np.testing.assert_allclose(
                [[x.data for x in n.w] for n in layer.neurons], w - 0.3 * w.grad, rtol=1e-10, atol=1e-14
            )
            np.testing.assert_allclose([n.b.data for n in layer.neurons], b - 0.3 * b.grad, rtol=1e-10, atol=1e-14)


def test_same_seed_same_history_bitwise():
    def run(seed):
        trainer = Trainer(MLP(2, [8, 1], seed=1), "hinge", "sgd", xor(n=80, seed=1), lr=0.05, batch_size=10, seed=seed)
        return [r["loss"] for r in trainer.fit(8)]

    first, second, other = run(7), run(7), run(8)
    assert first == second  # bitwise: == on floats
    assert first != other  # the seed drives the batches


def test_minibatch_accuracy_is_over_the_whole_training_set():
    trainer = small(batch_size=4)
    record = trainer.step()
    assert record["train_acc"] * 30 == pytest.approx(round(record["train_acc"] * 30))  # a multiple of 1/30, not 1/4


def _torch_loss(name, scores, y):
    F = torch.nn.functional
    if name in ("hinge", "svm"):
        return torch.relu(1 - y * scores).mean()
    if name == "mse":
        return ((scores - y) ** 2).mean()
    return F.binary_cross_entropy_with_logits(scores, (y + 1) / 2)


@pytest.mark.parametrize("loss", ["hinge", "svm", "mse", "bce"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_every_loss_and_optimizer_by_name_follows_pytorch(loss, optimizer):
    from microgradx.interop import to_torch

    data = moons(n=40, seed=0)
    model = MLP(2, [4, 1], seed=0)
    theirs = to_torch(model)
    trainer = Trainer(model, loss, optimizer, data, lr=0.05)
    topt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(theirs.parameters(), lr=0.05)
    X, y = torch.tensor(data.X), torch.tensor(data.y, dtype=torch.float64)
    for _ in range(4):
        topt.zero_grad()
        expected = _torch_loss(loss, theirs(X)[:, 0], y)
        expected.backward()
        topt.step()
        assert trainer.step()["loss"] == pytest.approx(expected.item(), rel=1e-10)
    ours = np.concatenate([np.ravel(v) for v in to_torch(model).state_dict().values()])
    expected = np.concatenate([t.detach().numpy().ravel() for t in theirs.state_dict().values()])
    # Adam divides by sqrt(v): a gradient near 0 (rounding noise in a sum) moves a weight by lr * noise / |noise|
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12 if optimizer == "sgd" else 1e-9)


def test_linear_decay_is_micrograds_schedule():
    schedule = linear_decay(1.0, 0.9, 100)
    assert [schedule(k) for k in range(100)] == [1.0 - 0.9 * k / 100 for k in range(100)]
    assert schedule(1000) == schedule(100)
    with pytest.raises(ValueError, match="start > drop"):
        linear_decay(1.0, 1.0, 10)


def test_bad_schedule_value_is_an_error_and_changes_nothing():
    trainer = small(lr_schedule=lambda k: -1.0)
    before = params(trainer)
    with pytest.raises(ValueError, match=r"lr_schedule\(0\) gave -1.0"):
        trainer.step()
    assert params(trainer) == before and trainer.history == []


def test_huge_learning_rate_diverges_without_corrupting_the_model():
    trainer = small(lr=1e200, data=moons(n=30, seed=0))
    snapshots, events = {}, []
    trainer.subscribe(lambda e: snapshots.__setitem__(e.step, trainer.model.state_dict()) if e.kind == "step" else None)
    trainer.subscribe(events.append)
    start = trainer.model.state_dict()
    with pytest.raises(Divergence) as info:
        trainer.fit(50)
    k = info.value.step
    assert isinstance(info.value, FloatingPointError)
    assert "the loss is inf" in info.value.cause or "parameter became NaN or inf" in info.value.cause
    assert len(trainer.history) == k and events[-1].kind == "diverged" and events[-1].step == k
    expected = snapshots[k - 1] if k else start
    assert trainer.model.state_dict() == expected  # exactly the parameters from before the failed step
    assert all(math.isfinite(p.data) for p in trainer.params)
    with pytest.raises(Divergence):
        trainer.step()  # the model is as it was, so the same step fails again, the same way


def test_nan_loss_is_reported_before_any_update():
    trainer = small(loss=lambda scores, targets: sum(scores) * math.nan)
    before = params(trainer)
    with pytest.raises(Divergence, match="diverged at step 0: the loss is nan"):
        trainer.step()
    assert params(trainer) == before


def test_tensor_divergence_restores_arrays_and_optimizer_state():
    model = Sequential.from_mlp(MLP(2, [6, 1], seed=0))
    optimizer = SGD(model.parameters(), lr=0.01, momentum=0.9)
    trainer = Trainer(model, "hinge", optimizer, moons(n=30, seed=0))
    trainer.fit(2)
    saved = {}  # step -> (parameters, momentum) after that step

    def keep(event):
        if event.kind == "step":
            saved[event.step] = (model.state_dict(), optimizer.state_dict())

    keep(Event("step", 1))
    trainer.subscribe(keep)
    trainer.lr_schedule = lambda k: 1e300
    with pytest.raises(Divergence) as info:
        trainer.fit(5)
    state, optimizer_state = saved[info.value.step - 1]
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[name])
    restored = optimizer.state_dict()["state"]
    assert restored.keys() == optimizer_state["state"].keys() == set(range(len(model.parameters())))
    for i, entry in restored.items():
        np.testing.assert_array_equal(entry["momentum_buffer"], optimizer_state["state"][i]["momentum_buffer"])
    assert optimizer.lr == optimizer_state["param_groups"][0]["lr"]
    assert all(np.isfinite(p.data).all() for p in model.parameters())


class _InterruptedSGD(SGD):
    """Updates half of the parameters, then gets a KeyboardInterrupt (as Ctrl-C mid-update would)."""

    def step(self):
        for p in self.params[: len(self.params) // 2]:
            p.data -= self.lr * p.grad
        raise KeyboardInterrupt


def test_keyboard_interrupt_mid_update_leaves_no_half_updated_parameters():
    model = MLP(2, [6, 1], seed=0)
    trainer = Trainer(model, "hinge", _InterruptedSGD(model.parameters(), lr=0.5), moons(n=30, seed=0))
    events = []
    trainer.subscribe(events.append)
    before = params(trainer)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(3)
    assert params(trainer) == before and trainer.history == []
    assert [e.kind for e in events] == ["stopped"] and "KeyboardInterrupt" in events[0].message


def test_stop_from_an_observer_and_from_another_thread():
    trainer = small()
    trainer.subscribe(lambda e: trainer.stop() if e.kind == "step" and e.step == 2 else None)
    kinds = []
    trainer.subscribe(lambda e: kinds.append(e.kind))
    assert len(trainer.fit(10)) == 3 and kinds[-1] == "stopped"
    assert len(trainer.fit(2)) == 5  # a new fit starts afresh

    trainer = small()
    first_step = threading.Event()
    trainer.subscribe(lambda e: first_step.set())
    worker = threading.Thread(target=trainer.fit, args=(100_000,), daemon=True)
    worker.start()
    assert first_step.wait(30)
    trainer.stop()
    worker.join(30)
    assert not worker.is_alive() and 1 <= len(trainer.history) < 100_000


def test_tensor_engine_follows_the_scalar_trajectory():
    data = moons(n=40, seed=3)
    scalar = Trainer(MLP(2, [8, 8, 1], seed=3), "hinge", "sgd", data, lr=0.5, l2=1e-4)
    tensor = Trainer(Sequential.from_mlp(MLP(2, [8, 8, 1], seed=3)), "hinge", "sgd", data, lr=0.5, l2=1e-4)
    assert not tensor.scalar and scalar.scalar
    a, b = scalar.fit(5), tensor.fit(5)
    np.testing.assert_allclose([r["loss"] for r in a], [r["loss"] for r in b], rtol=1e-10)
    assert [r["train_acc"] for r in a] == [r["train_acc"] for r in b]


def test_feature_maps_feed_the_model():
    data = xor(n=60, seed=0).with_features("x1", "x2", "x1*x2")
    trainer = Trainer(MLP(3, [4, 1], seed=0), "hinge", "sgd", data, lr=0.1)
    trainer.fit(2)
    with pytest.raises(ValueError, match="reads 2 inputs but the data has 3 features"):
        Trainer(MLP(2, [4, 1], seed=0), "hinge", "sgd", data)
    with pytest.raises(ValueError, match="reads 2 inputs but the data has 3 features"):  # a Tensor network too
        Trainer(Sequential(Linear(2, 4, seed=0), Tanh(), Linear(4, 1, seed=1)), "hinge", "sgd", data)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"loss": "hinj"}, ValueError, "unknown loss 'hinj'"),
        ({"optimizer": "sgdd"}, ValueError, "unknown optimizer 'sgdd'"),
        ({"batch_size": 0}, ValueError, r"batch_size must lie in \[1, 30\]"),
        ({"l2": -1.0}, ValueError, "l2 must be a finite number >= 0"),
        ({"lr_schedule": 0.1}, TypeError, "lr_schedule must be a callable"),
        ({"lr_schedule": "cosine"}, ValueError, "unknown lr_schedule 'cosine'"),
        ({"data": "moons"}, TypeError, "data must be a microgradx.data.Dataset"),
        ({"regularization": "l3"}, ValueError, "regularization must be None, 'l1' or 'l2', got 'l3'"),
        ({"reg_rate": -0.1, "regularization": "l1"}, ValueError, "reg_rate must be a finite number >= 0"),
        ({"reg_rate": math.nan, "regularization": "l2"}, ValueError, "reg_rate must be a finite number >= 0"),
        ({"l2": 0.1, "regularization": "l1", "reg_rate": 0.1}, ValueError, "either l2=rate or regularization="),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        small(**kwargs)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_a_bad_seed_names_the_seed(seed):
    with pytest.raises(ValueError, match=f"Trainer: seed must be an integer >= 0, got {seed!r}"):
        Trainer(MLP(2, [4, 1], seed=0), "hinge", "sgd", moons(n=20, seed=0), seed=seed)


def test_model_with_several_outputs_is_rejected():
    with pytest.raises(ValueError, match="one score per point for the loss 'hinge', got 2 outputs; end the model"):
        Trainer(MLP(2, [3, 2], seed=0), "hinge", "sgd", moons(n=20, seed=0))

    class Own(Sequential):  # not a plain dense stack: its width is seen at the first step
        pass

    trainer = Trainer(Own(Linear(2, 3, seed=0), Linear(3, 2, seed=1)), "hinge", "sgd", moons(n=20, seed=0))
    before = [p.data.copy() for p in trainer.params]
    with pytest.raises(ValueError, match="one score per point, got 2 outputs"):
        trainer.step()
    assert all((p.data == b).all() for p, b in zip(trainer.params, before)) and not trainer.history


@pytest.mark.slow
def test_micrograd_preset_reaches_100_percent():
    trainer = micrograd_demo()
    history = trainer.fit(100)
    assert history[0]["loss"] == pytest.approx(0.8958441028683222, rel=1e-12)  # micrograd demo.ipynb, step 0
    assert history[0]["train_acc"] == 0.5
    assert trainer.evaluate()["train_acc"] == 1.0
    assert [r["lr"] for r in history] == [1.0 - 0.9 * k / 100 for k in range(100)]


def test_a_failed_step_is_retried_on_the_same_batch():
    calls = []

    def flaky(scores, targets):  # NaN the first time only
        calls.append(1)
        loss = losses.hinge_loss(scores, targets)
        return loss * math.nan if len(calls) == 1 else loss

    def make(loss):
        return Trainer(MLP(2, [4, 1], seed=0), loss, "sgd", moons(n=40, seed=0), lr=0.1, batch_size=5, seed=3)

    retried = make(flaky)
    with pytest.raises(Divergence):
        retried.step()
    assert retried.step()["loss"] == make("hinge").step()["loss"]


def test_a_built_in_loss_passed_as_a_function_codes_labels_as_by_name():
    data = moons(60, seed=0, labels="01")
    by_name = Trainer(MLP(2, [4, 1], seed=0), "bce", "sgd", data)
    by_function = Trainer(MLP(2, [4, 1], seed=0), losses.binary_cross_entropy_with_logits, "sgd", data)
    assert by_function.threshold == by_name.threshold == 0.0  # logits: the boundary is at 0
    assert Trainer(MLP(2, [4, 1], seed=0), "mse", "sgd", data).threshold == 0.5  # mse on 0/1 targets


# ---- the optimizer is the model's; rollback through state_dict ----------------------------------------


def test_an_optimizer_over_another_models_parameters_is_refused():
    model, other = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=1)
    with pytest.raises(ValueError, match=r"Trainer: the optimizer's parameter 0 is not a parameter of the MLP"):
        Trainer(model, "hinge", SGD(other.parameters(), lr=0.1), moons(n=20, seed=0))
    with pytest.raises(ValueError, match="parameter 8 is not a parameter"):
        Trainer(model, "hinge", SGD(model.parameters()[:8] + other.parameters()[:1], lr=0.1), moons(n=20, seed=0))


def test_an_optimizer_over_some_of_the_models_parameters_trains_those_and_zeroes_every_grad():
    model = MLP(2, [4, 1], seed=0)
    first_layer = model.layers[0].parameters()
    trainer = Trainer(model, "hinge", SGD(first_layer, lr=0.1), moons(n=20, seed=0))
    frozen = [p.data for p in model.layers[1].parameters()]
    trainer.fit(3)
    assert [p.data for p in model.layers[1].parameters()] == frozen
    single = Trainer(MLP(2, [4, 1], seed=0), "hinge", "sgd", moons(n=20, seed=0))
    single.step()  # the gradients of the last step only, not three piled up
    assert [p.grad for p in model.layers[1].parameters()] != [0.0] * 5
    assert all(abs(p.grad) < 10 for p in model.parameters())


def test_rollback_goes_through_the_optimizers_state_dict():
    from microgradx.optim import Adam

    class FailsOnThirdStep(Adam):
        loads = 0

        def step(self):
            super().step()  # the state moves on to step 3 ...
            if self.state[self.params[0]]["step"] == 3:
                raise RuntimeError("a failure after the update")  # ... then the step fails

        def load_state_dict(self, state_dict):
            FailsOnThirdStep.loads += 1
            super().load_state_dict(state_dict)

    model = MLP(2, [4, 1], seed=0)
    trainer = Trainer(model, "hinge", FailsOnThirdStep(model.parameters(), lr=0.01), moons(n=20, seed=0))
    trainer.fit(2)
    before, weights = trainer.optimizer.state_dict(), params(trainer)
    with pytest.raises(RuntimeError, match="after the update"):
        trainer.step()
    assert FailsOnThirdStep.loads == 1 and params(trainer) == weights
    after = trainer.optimizer.state_dict()
    assert after["param_groups"] == before["param_groups"]
    assert {i: s["step"] for i, s in after["state"].items()} == {i: 2 for i in range(len(model.parameters()))}
    assert [s["exp_avg"] for s in after["state"].values()] == [s["exp_avg"] for s in before["state"].values()]


# ---- the record is the last thing a step does ---------------------------------------------------------


def test_an_interrupt_after_the_record_keeps_the_complete_step():
    trainer = small()
    trainer.fit(3)
    append = trainer.history.append

    def append_then_interrupt(record):
        append(record)
        raise KeyboardInterrupt  # lands after the record is in, before step() returns

    trainer.history.append = append_then_interrupt
    with pytest.raises(KeyboardInterrupt):
        trainer.step()
    del trainer.history.append
    after_four = params(trainer)
    replay = small()
    replay.fit(4)
    assert len(trainer.history) == 4 and after_four == params(replay)  # 4 records, the weights of step 4
    assert [r["loss"] for r in trainer.history] == [r["loss"] for r in replay.history]


def test_an_interrupt_before_the_record_undoes_the_step():
    trainer = small()
    trainer.fit(3)
    before = params(trainer)

    def interrupt(record):
        raise KeyboardInterrupt

    trainer.history.append = interrupt
    with pytest.raises(KeyboardInterrupt):
        trainer.step()
    del trainer.history.append
    assert len(trainer.history) == 3 and params(trainer) == before


# ---- regularization: L2 (micrograd's) and L1 (the Playground's) ------------------------------------------


def test_l2_shorthand_is_regularization_l2():
    a, b = small(l2=0.01), small(regularization="l2", reg_rate=0.01)
    assert (a.regularization, a.reg_rate, a.l2) == (b.regularization, b.reg_rate, b.l2) == ("l2", 0.01, 0.01)
    assert [r["loss"] for r in a.fit(5)] == [r["loss"] for r in b.fit(5)]
    assert small(reg_rate=0.5).regularization is None
    assert [r["loss"] for r in small(reg_rate=0.5).fit(2)] == [r["loss"] for r in small().fit(2)]


def _playground_l1(w: float, g: float, lr: float, rate: float) -> float:
    """nn.ts updateWeights: the loss step, then the L1 step; a weight the L1 step carries across 0 becomes 0.
    (At exactly 0 the Playground's derivative is +1 and it freezes the weight; here the L1 step leaves 0 alone.)"""
    w = w - lr * g
    new = w - lr * rate * float(np.sign(w))
    return 0.0 if w * new < 0 else new


@pytest.mark.parametrize("engine", ["scalar", "tensor"])
def test_l1_is_the_playgrounds_update_on_weights_not_biases(engine):
    from microgradx.nn import dense_layers

    lr, rate = 0.1, 0.3
    model = MLP(2, [3, 1], seed=0) if engine == "scalar" else Sequential.from_mlp(MLP(2, [3, 1], seed=0))
    free = MLP(2, [3, 1], seed=0) if engine == "scalar" else Sequential.from_mlp(MLP(2, [3, 1], seed=0))
    data = moons(n=30, seed=0)
    trainer = Trainer(model, "hinge", "sgd", data, lr=lr, regularization="l1", reg_rate=rate)
    plain = Trainer(free, "hinge", "sgd", data, lr=lr)
    for _ in range(3):
        before = dense_layers(model)
        free.load_state_dict(model.state_dict())
        record = plain.step()  # the loss's own update from the same weights: its gradients
        grads = [(b.W - a.W) / -lr for a, b in zip(before, dense_layers(free))]
        bias_grads = [(b.b - a.b) / -lr for a, b in zip(before, dense_layers(free))]
        l1 = rate * sum(np.abs(layer.W).sum() for layer in before)
        assert trainer.step()["loss"] == pytest.approx(record["loss"] + l1, rel=1e-12)
        for layer, old, g, gb in zip(dense_layers(model), before, grads, bias_grads):
            expected = np.vectorize(_playground_l1)(old.W, g, lr, rate)
            np.testing.assert_allclose(layer.W, expected, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(layer.b, old.b - lr * gb, rtol=1e-9, atol=1e-12)  # biases: no L1
    assert any((layer.W == 0).any() for layer in dense_layers(model))  # some weights clipped at 0


def test_l1_zeroes_the_weights_of_a_useless_feature():
    data = moons(n=60, seed=0).with_features("x1", "x2", "sin(x1)")
    rng = np.random.default_rng(0)
    model = Sequential(Linear(3, 4, seed=rng), Tanh(), Linear(4, 1, seed=rng))
    Trainer(model, "hinge", "sgd", data, lr=0.1, regularization="l1", reg_rate=0.05).fit(300)
    assert (model.layers[0].weight.data == 0).sum() >= 4


def test_l1_needs_weights():
    from microgradx.nn import Module

    class Bare(Module):
        def __init__(self):
            from microgradx import Value

            self.scale = Value(1.0)

        def forward(self, x):
            return self.scale * x[0]

    with pytest.raises(ValueError, match="regularization='l1' acts on weights"):
        Trainer(Bare(), "hinge", "sgd", moons(n=20, seed=0).with_features("x1"), regularization="l1", reg_rate=0.1)


# ---- the compact history --------------------------------------------------------------------------------


def test_history_is_a_list_of_dicts_on_access():
    from microgradx.history import History

    trainer = small()
    history = trainer.fit(5)
    assert isinstance(history, History) and history is trainer.history
    records = [dict(r) for r in history]
    assert history == records and records == list(history)
    assert history[-1] == records[4] and history[1:3] == records[1:3]
    assert history != records[:4] and history != [dict(records[0], loss=0.0)] + records[1:]
    np.testing.assert_array_equal(history.column("loss"), [r["loss"] for r in records])
    np.testing.assert_array_equal(history.column("train_acc"), [r["train_acc"] for r in records])
    np.testing.assert_array_equal(history.column("step"), range(5))
    np.testing.assert_array_equal(history.column("lr"), [0.1] * 5)
    assert history.column("seconds").dtype == np.float64 and (history.column("seconds") > 0).all()
    with pytest.raises(ValueError, match="unknown field 'acc'; choose one of step, loss"):
        history.column("acc")
    with pytest.raises(IndexError):
        history[5]
    none = small(data=moons(n=20, seed=0)).fit(2)
    assert [r["test_acc"] for r in none] == [None, None] and np.isnan(none.column("test_acc")).all()


def test_history_refuses_records_out_of_order_or_accuracies_that_are_not_counts():
    from microgradx.history import History

    h = History(n_train=4, n_test=2)
    record = {"step": 0, "loss": 1.0, "train_acc": 0.75, "test_acc": 0.5, "lr": 0.1, "seconds": 0.01}
    with pytest.raises(ValueError, match="expected step 0"):
        h.append({**record, "step": 1})
    with pytest.raises(ValueError, match="accuracy 0.3 is not a count of hits out of 4"):
        h.append({**record, "train_acc": 0.3})
    h.append(record)
    assert len(h) == 1 and h[0] == {**record, "seconds": pytest.approx(0.01, rel=1e-3)}


def test_history_takes_under_100_MB_for_an_hour_at_full_speed():
    import tracemalloc

    from microgradx.history import History

    n = 200_000
    h = History(n_train=400, n_test=100)
    record = {"loss": 0.25, "train_acc": 0.5, "test_acc": 0.25, "lr": 0.03, "seconds": 0.002}
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for k in range(n):
        h.append({**record, "step": k})
    used = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert h.record_bytes == 14
    assert used / n <= 2 * h.record_bytes  # the columns, with at most twice the room while they grow
    steps_per_hour = 1000 * 3600  # full speed of a small Playground network: under 1000 steps/s (issue 15)
    assert steps_per_hour * h.record_bytes < 100e6
    assert h[n - 1] == {**record, "step": n - 1, "seconds": pytest.approx(0.002, rel=1e-3)}


def test_evaluate_gives_accuracy_and_data_loss_on_both_splits():
    trainer = small(l2=0.01)
    record = trainer.step()
    scores = [trainer.model(list(x)) for x in trainer.data.X_test.tolist()]
    result = trainer.evaluate()
    assert set(result) == {"train_acc", "test_acc", "train_loss", "test_loss"}
    assert result["test_loss"] == pytest.approx(losses.hinge_loss(scores, trainer.data.y_test.tolist()).data, rel=1e-12)
    assert result["train_acc"] == trainer.step()["train_acc"]  # the next record starts from these parameters
    assert record["loss"] > 0
    tensor = Trainer(Sequential(Linear(2, 4, seed=0), Tanh(), Linear(4, 1, seed=1)), "mse", "sgd", xor(n=40, seed=0))
    assert tensor.evaluate()["test_loss"] is None and tensor.evaluate()["train_loss"] > 0
    from microgradx.data import plane

    regression = Trainer(
        Sequential(Linear(2, 4, seed=0), Tanh(), Linear(4, 1, seed=1)),
        "mse",
        "sgd",
        plane(n=50, seed=0, test_ratio=0.2),
    )
    r = regression.evaluate()
    assert r["train_acc"] is None and r["test_acc"] is None and r["test_loss"] > 0
    assert regression.step()["loss"] == pytest.approx(r["train_loss"], rel=1e-12)


def test_regularization_can_change_between_steps():
    trainer = small()
    trainer.l2 = 0.01  # as the dashboard's L2 control does
    assert (trainer.regularization, trainer.reg_rate) == ("l2", 0.01)
    with_l2 = trainer.step()["loss"]
    trainer.l2 = 0.0
    assert trainer.regularization is None and trainer.l2 == 0.0
    trainer.set_regularization("l1", 0.5)
    trainer.l2 = 0.0  # l2 = 0 is no regularization, whatever it was (the dashboard's "none")
    assert trainer.regularization is None
    trainer.set_regularization("l1", 0.2)
    assert trainer.l2 == 0.0 and trainer.regularization == "l1"
    weights = [w.data for layer in trainer.model.layers for n in layer.neurons for w in n.w]
    record = trainer.step()
    assert record["loss"] > 0.2 * sum(abs(w) for w in weights) and with_l2 > 0
    trainer.reg_rate = 0.0
    before = params(trainer)
    reference = small()
    reference.model.load_state_dict(trainer.model.state_dict())
    assert trainer.step()["loss"] == reference.step()["loss"] and params(trainer) != before
    with pytest.raises(ValueError, match="reg_rate must be a finite number >= 0"):
        trainer.reg_rate = -1
    with pytest.raises(ValueError, match="regularization must be None, 'l1' or 'l2'"):
        trainer.regularization = "L1"
    assert (trainer.regularization, trainer.reg_rate) == ("l1", 0.0)


# ---- k classes: cross-entropy on both engines --------------------------------------------------------


def spiral_net(width=32, k=3):
    return Sequential(Linear(2, width, seed=0), Tanh(), Linear(width, width, seed=1), Tanh(), Linear(width, k, seed=2))


def test_three_arm_spiral_reaches_95_percent_with_the_tensor_engine():
    data = spiral(300, classes=3, noise=0.2, seed=0)
    runs = []
    for _ in range(2):
        trainer = Trainer(spiral_net(), "cross_entropy", "adam", data, lr=0.02)
        runs.append(trainer.fit(300))
    final = trainer.evaluate()
    assert trainer.n_outputs == 3 and runs[0][0]["train_acc"] < 0.5  # it starts near chance
    assert final["train_acc"] >= 0.95 and runs[1][-1]["train_acc"] >= 0.95
    assert runs[0].column("loss").tolist() == runs[1].column("loss").tolist()  # seeded: the same run twice
    scores = predict(trainer.model, data.X)
    assert scores.shape == (300, 3) and final["train_acc"] == np.mean(scores.argmax(axis=1) == data.y)


def test_k_class_training_is_the_same_on_both_engines():
    """A scalar MLP(2, [16, 16, 3]) and the Tensor Sequential with its weights take the same steps."""
    from microgradx.interop import from_torch, to_torch

    data = spiral(30, classes=3, noise=0.2, seed=1, test_ratio=0.2)
    mlp = MLP(2, [16, 16, 3], seed=2)
    tensor_model = from_torch(to_torch(mlp))
    kw = {"lr": 0.05, "l2": 1e-3}
    scalar, tensor = (
        Trainer(mlp, "cross_entropy", "sgd", data, **kw),
        Trainer(tensor_model, "cross_entropy", "sgd", data, **kw),
    )
    a, b = scalar.fit(3), tensor.fit(3)
    np.testing.assert_allclose(a.column("loss"), b.column("loss"), rtol=1e-12)
    assert a.column("train_acc").tolist() == b.column("train_acc").tolist()
    assert a.column("test_acc").tolist() == b.column("test_acc").tolist()
    for layer, W, bias in zip(mlp.layers, tensor_model.parameters()[::2], tensor_model.parameters()[1::2]):
        np.testing.assert_allclose([[w.data for w in n.w] for n in layer.neurons], W.data, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose([n.b.data for n in layer.neurons], bias.data, rtol=1e-12, atol=1e-15)
    ours, theirs = scalar.evaluate(), tensor.evaluate()
    assert ours["train_acc"] == theirs["train_acc"] and ours["train_loss"] == pytest.approx(
        theirs["train_loss"], rel=1e-12
    )
    X = torch.tensor(data.X)
    ref = torch.nn.functional.cross_entropy(to_torch(mlp)(X), torch.tensor(data.y))
    assert ours["train_loss"] == pytest.approx(ref.item(), rel=1e-12)


def test_k_class_accuracy_is_by_argmax_in_the_history_and_evaluate():
    data = blobs(40, classes=4, seed=3, test_ratio=0.25)
    trainer = Trainer(Sequential(Linear(2, 4, seed=5)), "cross_entropy", "sgd", data, lr=0.01, batch_size=10)
    record = trainer.step()
    before = predict(Sequential(Linear(2, 4, seed=5)), data.X)
    assert record["train_acc"] == np.mean(before.argmax(axis=1) == data.y)
    now = trainer.evaluate()
    assert now["test_acc"] == np.mean(predict(trainer.model, data.X_test).argmax(axis=1) == data.y_test)


def test_cross_entropy_trains_two_classes_with_two_outputs():
    data = moons(40, seed=0)
    trainer = Trainer(MLP(2, [8, 2], seed=0), "cross_entropy", "adam", data, lr=0.05)
    trainer.fit(30)
    assert trainer.n_outputs == 2 and trainer.evaluate()["train_acc"] > 0.8
    zero_one = (data.y + 1) // 2  # two classes are indices 0 (class -1) and 1 (class +1)
    assert trainer.evaluate()["train_acc"] == np.mean(predict(trainer.model, data.X).argmax(axis=1) == zero_one)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: Trainer(MLP(2, [4, 1], seed=0), "cross_entropy", "sgd", d),
            r"must give 3 scores per point .*got 1 output; end the model with 3 outputs, e\.g\. MLP\(2, \[16, 16, 3",
        ),
        (
            lambda d: Trainer(spiral_net(k=4), "cross_entropy", "sgd", d),
            r"must give 3 scores per point .*got 4 outputs",
        ),
        (
            lambda d: Trainer(MLP(2, [4, 3], seed=0), "hinge", "sgd", d),
            r"dataset 'spiral' has 3 classes, and the loss 'hinge' is for two classes; use loss 'cross_entropy'",
        ),
        (lambda d: Trainer(MLP(2, [4, 3], seed=0), "bce", "sgd", d), r"the loss 'bce' is for two classes"),
        (
            lambda d: Trainer(MLP(2, [4, 3], seed=0), losses.hinge_loss, "sgd", d),
            r"the loss 'hinge_loss' is for two classes",
        ),
        (
            lambda d: Trainer(MLP(2, [4, 3], seed=0), "mse", "sgd", d),
            r"the loss 'mse' is for continuous targets; use loss 'cross_entropy'",
        ),
        (
            lambda d: Trainer(MLP(2, [4, 3], seed=0), "cross_entropy", "sgd", plane(20)),
            r"continuous targets .*use loss 'mse', not 'cross_entropy'",
        ),
    ],
)
def test_k_class_misfits_name_the_fix(make, message):
    with pytest.raises(ValueError, match=message):
        make(spiral(30, classes=3, seed=0))


def test_a_k_class_model_of_unknown_width_is_refused_at_its_first_step():
    class Own(Sequential):
        pass

    trainer = Trainer(Own(Linear(2, 2, seed=0)), "cross_entropy", "sgd", spiral(30, classes=3))
    with pytest.raises(ValueError, match=r"must give 3 scores per point .*got 2 outputs"):
        trainer.step()
    assert not trainer.history


def test_predict_gives_n_by_k_for_k_outputs():
    X = np.array([[0.5, -1.0], [2.0, 0.0]])
    mlp = MLP(2, [4, 3], seed=0)
    scores = predict(mlp, X)
    assert scores.shape == (2, 3)
    np.testing.assert_allclose(scores[1], [v.data for v in mlp(X[1].tolist())], rtol=1e-12)
    assert predict(spiral_net(k=5), X).shape == (2, 5) and predict(MLP(2, [4, 1], seed=0), X).shape == (2,)
