"""microgradx.widgets: watch a network learn, live, in JupyterLab (ipywidgets). Installed from `widgets/`.

>>> from microgradx.widgets import TrainingDashboard
>>> dash = TrainingDashboard(dataset="spiral", hidden=(8, 8), seed=0)   # show it: `dash` as a cell's last line
>>> _ = dash.fit(5)                                                    # or press Play
"""

from ._throttle import Throttle
from .boundary_view import BoundaryView
from .curves_view import CurvesView
from .dashboard import TrainingDashboard, build_model
from .graph_widget import GraphWidget, sample_loss
from .network_view import NetworkView
from .space_view import SpaceView

__all__ = [
    "TrainingDashboard",
    "GraphWidget",
    "BoundaryView",
    "CurvesView",
    "NetworkView",
    "SpaceView",
    "Throttle",
    "build_model",
    "sample_loss",
]
