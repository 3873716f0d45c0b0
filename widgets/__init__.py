"""microgradx.widgets: the Jupyter layer (ipywidgets). Installed from the top-level `widgets/` folder."""

__all__: list[str] = []
