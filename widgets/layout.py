"""The dashboard's layout: a bar of buttons, a row of knobs, and three columns (Data, Network, Output; under
the output plane, the class selector that says what a click on it does, and Clear).

A control named in `hide` is left out of the page altogether (not merely made invisible).
"""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["dashboard_layout", "COLUMN_WIDTHS"]

COLUMN_WIDTHS = {"data": "270px", "network": "340px"}  # the output column takes the rest


def dashboard_layout(controls, views: dict, hide: tuple[str, ...] = ()) -> widgets.VBox:
    """The root widget (CSS class ``mgx-dashboard``) of `controls` and `views` (boundary, network, curves,
    graph or None), without the controls named in `hide` (names of `settings.CONTROLS`, checked there)."""
    hidden = {id(w) for name in hide for w in controls.widgets_of(name)}

    def keep(*items):
        return [w for w in items if w is not None and id(w) not in hidden]

    c = controls
    bar = widgets.HBox(
        keep(c.play_button, c.step_button, c.reset_button, c.speed, c.step_label, c.stats), layout=_wrap()
    )
    knobs = widgets.HBox(keep(c.lr, c.batch_size, c.regularization, c.reg_rate, c.problem), layout=_wrap())
    features = keep(*c.features.values())
    data_box = widgets.VBox(
        [
            widgets.HTML("<b>Data</b>"),
            *keep(c.dataset, c.classes, c.noise, c.train_ratio, c.seed, c.regenerate),
            *([widgets.HTML("<b>Features</b>"), widgets.HBox(features, layout=_wrap())] if features else []),
        ],
        layout=widgets.Layout(width=COLUMN_WIDTHS["data"], min_width=COLUMN_WIDTHS["data"]),
    )
    layer_buttons = keep(c.add_layer, c.remove_layer)
    net_box = widgets.VBox(
        [
            widgets.HTML("<b>Network</b>"),
            *([widgets.HBox(layer_buttons)] if layer_buttons else []),
            *keep(c.layers_box, views["network"], c.activation, c.engine),
        ],
        layout=widgets.Layout(width=COLUMN_WIDTHS["network"], min_width=COLUMN_WIDTHS["network"], overflow="hidden"),
    )
    drawing = keep(c.draw, c.clear_button)
    out_box = widgets.VBox(
        [
            widgets.HTML("<b>Output</b>"),
            views["boundary"],
            *([widgets.HBox(drawing, layout=_wrap())] if drawing else []),
            *keep(c.draw_hint, c._draw_style, c.show_test_data, c.discretize),
            views["curves"],
        ]
    )
    columns = widgets.HBox([data_box, net_box, out_box])
    rows = [r for r in (bar, knobs) if r.children] + [columns, c.status]
    if views.get("graph") is not None:
        rows.append(views["graph"])
    root = widgets.VBox(rows)
    root.add_class("mgx-dashboard")
    return root


def _wrap() -> widgets.Layout:
    return widgets.Layout(flex_flow="row wrap")
