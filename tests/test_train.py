"""The training loop: history and events, seeds, safety (NaN/inf, interrupts, stop), engines, the micrograd preset."""

import math
import threading

import numpy as np
import pytest
import torch

from microgradx import MLP, losses
from microgradx.data import moons, xor
from microgradx.nn import Linear, Sequential, Tanh
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
    assert all(isinstance(e, Event) and e.record is trainer.history[e.step] for e in events)
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


def test_losses_and_optimizers_by_name():
    data = moons(n=40, seed=0)
    for loss in ("hinge", "svm", "mse", "bce"):
        for optimizer in ("sgd", "adam"):
            trainer = Trainer(MLP(2, [4, 1], seed=0), loss, optimizer, data, lr=0.01)
            trainer.fit(2)
            assert all(math.isfinite(r["loss"]) for r in trainer.history)
    bce = Trainer(MLP(2, [4, 1], seed=0), "bce", "sgd", data, lr=0.01)
    assert bce.step()["loss"] == pytest.approx(
        torch.nn.functional.binary_cross_entropy_with_logits(
            torch.tensor([MLP(2, [4, 1], seed=0)(list(x)).data for x in data.X.tolist()], dtype=torch.float64),
            torch.tensor((data.y + 1) / 2.0),
        ).item(),
        rel=1e-12,
    )


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
            saved[event.step] = (model.state_dict(), [v.copy() for v in optimizer._velocity])

    keep(Event("step", 1))
    trainer.subscribe(keep)
    trainer.lr_schedule = lambda k: 1e300
    with pytest.raises(Divergence) as info:
        trainer.fit(5)
    state, velocity = saved[info.value.step - 1]
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[name])
    for v, expected in zip(optimizer._velocity, velocity):
        np.testing.assert_array_equal(v, expected)
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
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        small(**kwargs)


def test_model_with_several_outputs_is_rejected():
    trainer = Trainer(MLP(2, [3, 2], seed=0), "hinge", "sgd", moons(n=20, seed=0))
    before = params(trainer)
    with pytest.raises(ValueError, match="one score per point, got 2 outputs"):
        trainer.step()
    assert params(trainer) == before


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
