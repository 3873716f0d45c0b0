"""Grid evaluation with NumPy agrees with the models themselves; BoundaryPlot redraws in place and renders PNG."""

import io

import numpy as np
import pytest
from PIL import Image

from microgradx import MLP, Layer, Neuron, Value
from microgradx.data import moons, xor
from microgradx.nn import Linear, ReLU, Sequential, Sigmoid, Tanh, predict
from microgradx.nn import dense_layers as _layers
from microgradx.plot import BoundaryPlot, grid_scores, history_png, make_grid
from microgradx.tensor import Tensor
from microgradx.train import Trainer

POINTS = np.random.default_rng(0).normal(scale=2.0, size=(64, 2))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_predict_matches_the_scalar_mlp(activation):
    model = MLP(2, [7, 5, 1], activation=activation, output_activation="tanh", seed=3)
    expected = [model(row).data for row in POINTS.tolist()]
    np.testing.assert_allclose(predict(model, POINTS), expected, rtol=1e-12, atol=1e-12)


def test_predict_matches_layer_neuron_and_multi_output_mlp():
    layer, neuron, wide = Layer(2, 3, "sigmoid", seed=1), Neuron(2, "tanh", seed=2), MLP(2, [4, 3], seed=3)
    np.testing.assert_allclose(
        predict(layer, POINTS), [[v.data for v in layer(r)] for r in POINTS.tolist()], rtol=1e-12
    )
    np.testing.assert_allclose(predict(neuron, POINTS), [neuron(r).data for r in POINTS.tolist()], rtol=1e-12)
    assert predict(wide, POINTS).shape == (64, 3)


def test_predict_matches_a_tensor_model_and_a_function():
    model = Sequential(Linear(2, 5, seed=0), Tanh(), Linear(5, 1, seed=1))
    np.testing.assert_array_equal(predict(model, POINTS), model(Tensor(POINTS)).data[:, 0])
    np.testing.assert_array_equal(predict(lambda X: X[:, 0] - X[:, 1], POINTS), POINTS[:, 0] - POINTS[:, 1])


@pytest.mark.parametrize("activation", [ReLU, Tanh, Sigmoid])
def test_predict_runs_a_tensor_stack_of_linear_layers_as_arrays(activation):
    model = Sequential(
        Linear(2, 6, seed=0), activation(), Linear(6, 4, bias=False, seed=1), activation(), Linear(4, 1, seed=2)
    )
    assert [act for _, _, act in _layers(model)] == [activation.__name__.lower()] * 2 + ["linear"]
    expected = model(Tensor(POINTS)).data[:, 0]
    np.testing.assert_allclose(predict(model, POINTS), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(predict(model, POINTS, dtype=np.float32), expected, rtol=1e-5, atol=1e-6)
    wide = Sequential(Linear(2, 3, seed=0))
    np.testing.assert_allclose(predict(wide, POINTS), wide(Tensor(POINTS)).data, rtol=1e-12)


class Shifted(Linear):  # a Linear that computes something else: not taken for a plain layer
    def forward(self, x):
        return super().forward(x) + 1.0


class Doubled(Sequential):  # a Sequential that computes something else
    def forward(self, x):
        return super().forward(x) * 2.0


@pytest.mark.parametrize(
    "model",
    [
        Sequential(Tanh(), Linear(2, 1, seed=0)),  # an activation before any layer
        Sequential(Linear(2, 3, seed=0), Tanh(), Tanh(), Linear(3, 1, seed=1)),  # two in a row
        Sequential(Sequential(Linear(2, 3, seed=0)), Linear(3, 1, seed=1)),  # nested
        Sequential(Shifted(2, 1, seed=0)),
        Doubled(Linear(2, 3, seed=0), Tanh(), Linear(3, 1, seed=1)),
    ],
    ids=["activation-first", "two-activations", "nested", "subclass", "sequential-subclass"],
)
def test_predict_calls_other_tensor_models_as_they_are(model):
    assert _layers(model) is None
    np.testing.assert_allclose(predict(model, POINTS), model(Tensor(POINTS)).data[:, 0], rtol=1e-12)


def test_predict_names_bad_widths_and_dtypes():
    broken = Sequential(Linear(2, 3, seed=0), Linear(4, 1, seed=1))  # 3 outputs feed a layer that reads 4
    assert _layers(broken) is None
    with pytest.raises(ValueError, match=r"Linear\(4, 1\): input of shape \(64, 3\) should end in 4 features"):
        predict(broken, POINTS)
    with pytest.raises(ValueError, match="dtype must be a floating type.*int64"):
        predict(MLP(2, [1], seed=0), POINTS, dtype=np.int64)


def test_predict_on_a_trained_model_with_feature_maps():
    data = xor(n=60, seed=0).with_features("x1", "x2", "x1*x2", "sin(x1)")
    model = MLP(4, [6, 1], seed=0)
    Trainer(model, "hinge", "sgd", data, lr=0.05).fit(3)
    scores, extent = grid_scores(model, data, resolution=9)
    grid, _ = make_grid(data, resolution=9)
    x1, x2 = grid[:, 0], grid[:, 1]
    expected = [model([a, b, a * b, np.sin(a)]).data for a, b in zip(x1.tolist(), x2.tolist())]
    np.testing.assert_allclose(scores.ravel(), expected, rtol=1e-12, atol=1e-12)
    assert extent[0] < data.X[:, 0].min() and extent[3] > data.X[:, 1].max()


def test_grid_rows_run_bottom_to_top():
    data = moons(n=20, seed=0)
    scores, (x0, x1, y0, y1) = grid_scores(lambda X: X[:, 1], data, resolution=5)
    np.testing.assert_allclose(scores[:, 0], np.linspace(y0, y1, 5))  # row 0 is the bottom (origin="lower")
    assert (scores == scores[:, :1]).all()


def test_predict_errors():
    with pytest.raises(ValueError, match=r"2-D array \(n, d\), got shape \(2,\)"):
        predict(MLP(2, [1]), np.zeros(2))
    with pytest.raises(ValueError, match="reads 2 inputs, X has 3 columns"):
        predict(MLP(2, [1]), np.zeros((4, 3)))

    class Custom(MLP.__mro__[1]):  # a scalar Module predict cannot turn into arrays
        def __init__(self):
            self.w = Value(1.0)

        def forward(self, x):
            return self.w * x[0]

    with pytest.raises(TypeError, match="cannot turn a scalar Custom into arrays"):
        predict(Custom(), POINTS)


def _png(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    image.verify()
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_boundary_plot_renders_and_updates_in_place():
    data = moons(n=60, seed=0, test_ratio=0.25)
    plot = BoundaryPlot(data, resolution=40)
    model = MLP(2, [8, 1], seed=0)
    trainer = Trainer(model, "hinge", "sgd", data, lr=0.3)
    trainer.fit(2)
    figure, image = plot.figure, plot.image
    plot.update(model, trainer.history)
    first = plot.to_png()
    assert first == plot.to_png()  # no timestamp: the same picture gives the same bytes
    pixels = _png(first)
    assert pixels.shape == (400, 860, 3)
    trainer.fit(20)
    plot.update(model, trainer.history)
    second = _png(plot.to_png())
    assert plot.figure is figure and plot.image is image and len(figure.axes) == 2
    assert (second != pixels).any()
    assert np.array_equal(plot.image.get_array().shape[:2], (40, 40))
    assert "22 steps" in plot.title.get_text() and "test" in plot.title.get_text()
    assert plot.loss_ax.get_xlim()[1] >= 22  # the loss axis grew with the history


def test_blitted_frame_equals_a_full_redraw():
    """The cached background plus redrawn artists gives the same pixels as drawing everything afresh."""
    data = moons(n=40, seed=1, test_ratio=0.25)
    model = MLP(2, [8, 1], seed=1)
    trainer = Trainer(model, "hinge", "sgd", data, lr=0.3)
    plot = BoundaryPlot(data, resolution=30)
    plot.update(model, trainer.fit(3))
    plot.to_png()
    plot.update(model, trainer.fit(2))
    blitted = _png(plot.to_png())
    fresh = BoundaryPlot(data, resolution=30)
    fresh.update(model, trainer.history)
    np.testing.assert_array_equal(blitted, _png(fresh.to_png()))


def test_boundary_shows_the_sign_of_the_score():
    data = moons(n=30, seed=0)
    plot = BoundaryPlot(data, resolution=20, show_loss=False)
    plot.update(lambda X: X[:, 0] - 0.5)  # positive (blue) to the right of x1 = 0.5
    rgba = plot.image.get_array()
    left, right = rgba[10, 1, :3], rgba[10, -2, :3]
    assert right[2] > right[0] and left[0] > left[2]  # blue right, orange left
    assert len(plot.figure.axes) == 1 and _png(plot.to_png()).shape == (400, 400, 3)


def test_history_png_and_errors():
    data = moons(n=30, seed=0, test_ratio=0.2)
    trainer = Trainer(MLP(2, [4, 1], seed=0), "hinge", "sgd", data)
    assert _png(history_png(trainer.fit(3))).shape == (350, 600, 3)
    with pytest.raises(ValueError, match="history is empty"):
        history_png([])
    with pytest.raises(ValueError, match="resolution must be an integer"):
        BoundaryPlot(data, resolution=1)
    with pytest.raises(TypeError, match="must be a microgradx.data.Dataset"):
        BoundaryPlot(np.zeros((3, 2)))


def test_boundary_is_drawn_at_the_trainers_threshold():
    from microgradx import MLP
    from microgradx.data import moons
    from microgradx.nn import predict
    from microgradx.plot import BoundaryPlot

    data = moons(40, seed=0, labels="01")
    model = MLP(2, [4, 1], seed=0)
    plot = BoundaryPlot(data, resolution=20, show_loss=False)
    plot.update(model, threshold=0.5)
    np.testing.assert_array_equal(plot.scores.ravel(), predict(model, plot.grid_inputs).ravel() - 0.5)


# ---- k classes ---------------------------------------------------------------------------------------------


def three_classes(n: int = 90, seed: int = 0, test: int = 30):
    """Three clusters at the corners of a triangle, labels 0..2 ('index' coding), a test split."""
    from microgradx.data import Dataset

    rng = np.random.default_rng(seed)
    y = np.arange(n + test) % 3
    angle = 2 * np.pi * y / 3
    X = np.column_stack([np.cos(angle), np.sin(angle)]) + rng.normal(scale=0.25, size=(n + test, 2))
    return Dataset(X[:n], y[:n], X[n:], y[n:], name="three", labels="index", classes=("cat", "dog", "bird"))


def sectors(k: int):
    """Logits (N, k) whose argmax is the sector of the angle around the origin: class c at 2 pi c / k."""
    centres = 2 * np.pi * np.arange(k) / k
    return lambda X: 3 * np.cos(np.arctan2(X[:, 1], X[:, 0])[:, None] - centres) * np.hypot(X[:, 0], X[:, 1])[:, None]


def hue_counts(rgb: np.ndarray, colours) -> np.ndarray:
    """How many strongly coloured pixels lie nearest to each of `colours` in hue, and how many are near none."""
    hsv = np.asarray(Image.fromarray(np.ascontiguousarray(rgb[..., :3])).convert("HSV")).reshape(-1, 3).astype(int)
    targets = np.asarray(Image.fromarray(np.array([[[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colours]],
                                                  dtype=np.uint8)).convert("HSV"))[0, :, 0].astype(int)  # fmt: skip
    strong = hsv[hsv[:, 1] > 60]
    gap = np.abs(strong[:, 0, None] - targets[None, :])
    gap = np.minimum(gap, 256 - gap)  # hue is a circle
    nearest = gap.argmin(axis=1)
    far = gap.min(axis=1) > 12
    return np.append(np.bincount(nearest[~far], minlength=len(colours)), far.sum())


def test_class_colours_start_with_the_playgrounds_two_and_stay_distinct():
    from microgradx.plot import CLASS_COLOURS, NEGATIVE, POSITIVE, class_colours

    assert class_colours(2) == (NEGATIVE, POSITIVE) == CLASS_COLOURS[:2]
    assert len(CLASS_COLOURS) >= 8 and len(set(CLASS_COLOURS)) == len(CLASS_COLOURS)
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in class_colours(12)], dtype=float)
    distance = np.hypot.reduce(rgb[:, None] - rgb[None], axis=2) + np.eye(12) * 1e9
    assert len(set(class_colours(12))) == 12 and distance.min() > 40
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="class_colours: k must be an int >= 1"):
            class_colours(bad)


def test_class_shades_are_the_argmax_class_faded_by_the_softmax_confidence():
    from microgradx.plot import MIDDLE, class_palette, class_rgb, class_shades

    levels = 11
    logits = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 50.0], [np.nan, 1.0, 0.0],
                       [np.inf, 0.0, -np.inf], [1.0, 1.0, 0.0]])  # fmt: skip
    shades = class_shades(logits, levels)
    classes, level = shades // levels, shades % levels
    assert classes.tolist()[:4] == [0, 0, 1, 2] and classes[5] == 0 and classes[6] == 0  # a tie: the first
    p = np.exp(logits[:4]) / np.exp(logits[:4]).sum(1, keepdims=True)
    expected = np.rint((p.max(1) - 1 / 3) * 1.5 * (levels - 1))
    assert level[:4].tolist() == expected.tolist() and level[0] == 0 and level[3] == levels - 1
    assert level[4] == 0 and classes[4] == 0 and level[5] == levels - 1  # NaN: background; inf saturates
    palette = class_palette(3, levels)
    assert palette.shape == (33, 3) and palette[0].tolist() == palette[11].tolist() == [0xE8, 0xEA, 0xEB]
    assert MIDDLE == "#e8eaeb" and palette[levels - 1].tolist() == [0xF5, 0x93, 0x22]
    np.testing.assert_array_equal(class_rgb(logits, levels=levels), palette[shades])
    np.testing.assert_array_equal(class_shades(logits * 2, levels), class_shades(logits, levels, contrast=2.0))
    assert class_shades(logits.astype(np.float32).reshape(7, 1, 3), levels).shape == (7, 1)
    with pytest.raises(ValueError, match=r"class_shades: logits must be \(..., k\) with k >= 2"):
        class_shades(np.zeros((4, 1)), levels)


def test_class_margins_are_each_logit_minus_the_largest_other():
    from hypothesis import given
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    from microgradx.plot import class_margins

    @given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 5)), elements=st.integers(-4, 4)))
    def check(z):
        expected = [[z[i, c] - np.delete(z[i], c).max() for c in range(z.shape[1] - 1)] for i in range(len(z))]
        np.testing.assert_array_equal(class_margins(z), expected)

    check()


def test_boundary_plot_draws_k_regions_in_the_class_colours_with_a_legend_of_classes():
    from microgradx.plot import _light_classes, class_colours

    data = three_classes()
    for smooth in (False, True):
        plot = BoundaryPlot(data, resolution=60, show_loss=False, smooth=smooth)
        plot.update(sectors(3))
        assert plot.scores.shape == (60, 60, 3)
        rgba = plot.image.get_array()
        light = ["#" + "".join(f"{v:02x}" for v in _light_classes(3)[64 * c + 63][:3]) for c in range(3)]
        counts = hue_counts(rgba, light)
        assert (counts[:3] > 400).all() and counts[3] == 0  # three regions, nothing of another hue
        picture = _png(plot.to_png())
        counts = hue_counts(picture, light + list(class_colours(3)))  # the regions, and the points' colours
        assert (counts[:3] > 400).all()
        legend = [t.get_text() for t in plot.ax.get_legend().get_texts()]
        assert legend == ["cat", "dog", "bird", "train", "test"]
        assert (plot._contour is not None) == smooth
    plot = BoundaryPlot(data, resolution=60, show_loss=False)  # cells: dark where the most likely class changes
    plot.update(sectors(3))
    top = plot.scores.argmax(axis=-1)
    edge = np.zeros(top.shape, bool)
    edge[:, 1:] |= top[:, 1:] != top[:, :-1]
    edge[1:, :] |= top[1:] != top[:-1]
    assert edge.sum() > 60
    np.testing.assert_array_equal((plot.image.get_array()[..., :3] == 64).all(axis=-1), edge)


def test_a_two_class_boundary_plot_is_the_playground_ramp_as_before():
    """The two-class picture is what it was before k classes: the lookup table's colour of each score."""
    from microgradx.plot import boundary_rgba

    data = moons(n=30, seed=0, test_ratio=0.2)
    plot = BoundaryPlot(data, resolution=20, show_loss=False)
    plot.update(lambda X: X[:, 0] - 0.5)
    scores = plot.scores
    shade = np.clip(scores, -1.0, 1.0)
    expected = plot._lut[((shade + 1.0) * 127.5).astype(np.uint8)]
    edge = np.zeros(scores.shape, bool)
    edge[:, 1:] |= (scores[:, 1:] > 0) != (scores[:, :-1] > 0)
    edge[1:, :] |= (scores[1:] > 0) != (scores[:-1] > 0)
    expected[edge] = (64, 64, 64, 255)
    np.testing.assert_array_equal(plot.image.get_array(), expected)
    np.testing.assert_array_equal(boundary_rgba(scores, plot._lut), expected)
    assert [t.get_text() for t in plot.ax.get_legend().get_texts()] == ["train", "test"]


def test_a_boundary_plot_of_eight_classes_puts_its_legend_on_two_rows_below_the_title():
    from microgradx.data import Dataset

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(80, 2)), np.arange(80) % 8
    data = Dataset(X[:64], y[:64], X[64:], y[64:], labels="index", classes=tuple(range(8)))
    plot = BoundaryPlot(data, resolution=30)
    plot.update(sectors(8), [{"step": 0, "loss": 2.0, "train_acc": 0.2, "test_acc": 0.1}])
    plot.to_png()
    renderer = plot.canvas.get_renderer()
    legend, title = plot.ax.get_legend().get_window_extent(renderer), plot.title.get_window_extent(renderer)
    assert legend.y1 <= title.y0 + 1 and legend.height > 1.6 * title.height  # two rows, under the title
    assert legend.y0 >= plot.ax.get_window_extent(renderer).y1 - 1  # above the axes
    assert len({plot.scores[i, j].argmax() for i in range(30) for j in range(30)}) == 8
