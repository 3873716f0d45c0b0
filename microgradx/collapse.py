"""Which nodes of a computation graph a neuron (or a layer) made: the groups of `draw_dot(collapse=...)`.

A node knows nothing of neurons, so the model says which parameters belong together, and the graph
says the rest. A *unit* is a module that owns parameters directly (a `Neuron`, a tensor `Linear`); a
*layer* is the model's child module that contains it (`MLP.layers[i]`). For each unit U with
parameters P:

1. **Where U's sum completes.** A node *covers* U if every parameter in P is among its ancestors. The
   nodes where U completes are the covering nodes none of whose inputs covers U: for a neuron that is
   ``b + w0 x0 + ... + wn xn`` at its last ``+`` (one partial sum lacks ``wn``, ``wn xn`` lacks the rest),
   for `Linear` it is ``x @ W + b``. Everything later (the next layer, the loss) has an input that
   already covers U, so it never completes U again. Each completion is one *instance* of U: one per
   sample when a batch is built sample by sample.
2. **Its output.** If the module declares a nonlinearity (``module.activation``, e.g. ``'tanh'``), the
   output is the consumer of that sum whose op is the activation; otherwise it is the sum itself.
3. **Its nodes.** Walking back from the output through nodes that depend on some parameter in P (and
   stopping at nodes another instance already owns) gives exactly the ops U's forward made, with P
   itself. A plain number that one of those ops lifted to a node (``w * 0.5``: a leaf whose ``_op`` is
   `microgradx.engine.CONSTANT`, set where the engine lifts it) joins them; inputs made outside, like a
   labelled ``x``, stay visible.

Nothing is guessed from shapes or names, so a node is in a group only if that unit's forward made it.
Loss nodes, shared inputs and anything else stay as ordinary nodes of the drawing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .engine import CONSTANT
from .nn.module import Module, is_parameter

__all__ = ["Group", "IndexGroup", "groups", "index_groups"]


class Group(NamedTuple):
    """The nodes one unit (or one layer) made for one instance (sample)."""

    name: str  # "Neuron 1.3", "Layer 1", with " [k]" when the model ran on several samples
    outputs: tuple  # the nodes the group hands on, in topological order
    members: tuple  # every node in the group, its parameters included, in topological order
    n_params: int


class _Unit(NamedTuple):
    path: str  # "layers.1.neurons.3"
    layer: str  # "layers.1": the model's child module that holds it
    module: Module
    params: list


class IndexGroup(NamedTuple):
    """A `Group` by position in the topological order, so it applies to every trace of the same structure."""

    name: str
    outputs: tuple[int, ...]
    members: tuple[int, ...]
    n_params: int


def groups(nodes: list, model: Module, mode: str) -> list[Group]:
    """Groups of `nodes` (a topological order) by `mode` 'neuron' or 'layer'; see the module docstring."""
    return [
        Group(g.name, tuple(nodes[j] for j in g.outputs), tuple(nodes[j] for j in g.members), g.n_params)
        for g in index_groups(nodes, model, mode)
    ]


def index_groups(nodes: list, model: Module, mode: str) -> list[IndexGroup]:
    """`groups`, with nodes given by their position in `nodes`."""
    graph = _Graph(nodes)
    units = list(_units(model))
    needs = graph.mark_parameters(units)
    completions = graph.propagate(needs)
    merged, count = graph.instances(units, needs, completions, mode)
    several = any(c > 1 for c in count)
    result = []
    for (path, n), parts in merged.items():
        module = parts[0][2].module if mode == "neuron" else _find(model, path)
        result.append(
            IndexGroup(
                name=_name(module, path) + (f" [{n}]" if several else ""),
                outputs=tuple(sorted(out for out, _, _ in parts)),
                members=tuple(sorted(set().union(*(m for _, m, _ in parts)))),
                n_params=sum(len(unit.params) for _, _, unit in parts),
            )
        )
    terms = _parameter_terms(nodes, graph.owned, graph.masks, graph.index)
    if terms:  # one more group, so that a penalty over every parameter does not flood the picture
        last = len(nodes) - 1
        outputs = [j for j in sorted(terms) if j == last or set(graph.consumers.get(j, ())) - terms]
        result.append(IndexGroup("parameter terms", tuple(outputs), tuple(sorted(terms)), 0))
    return result


class _Graph:
    """The graph as positions: each node's ancestor-parameter bits, the units it covers, its consumers."""

    def __init__(self, nodes: list):
        self.nodes = nodes
        self.index = {id(n): i for i, n in enumerate(nodes)}
        self.masks = [0] * len(nodes)  # bits of the parameters among each node's ancestors
        self.owned = [False] * len(nodes)
        self.consumers: dict[int, list[int]] = {}
        for i, node in enumerate(nodes):
            for child in node._prev:
                self.consumers.setdefault(self.index[id(child)], []).append(i)

    def mark_parameters(self, units: list) -> list[int]:
        """One bit per parameter in the graph; per unit, the bits of all its parameters in the graph."""
        bit_of: dict[int, int] = {}
        needs = []
        for unit in units:
            need = 0
            for p in unit.params:
                if id(p) in self.index:
                    need |= bit_of.setdefault(id(p), 1 << len(bit_of))
            needs.append(need)
        for i, node in enumerate(self.nodes):
            if not node._prev:
                self.masks[i] = bit_of.get(id(node), 0)
        return needs

    def propagate(self, needs: list[int]) -> list[list[int]]:
        """Ancestor bits of every node in one pass, inputs first; per unit, where its sums complete."""
        live = [k for k, need in enumerate(needs) if need]
        covers = [0] * len(self.nodes)
        completions: list[list[int]] = [[] for _ in needs]
        for i, node in enumerate(self.nodes):
            if not node._prev:
                continue
            m = c = 0
            for child in node._prev:
                j = self.index[id(child)]
                m |= self.masks[j]
                c |= covers[j]
            if m:
                for k in live:
                    if not (c >> k) & 1 and m & needs[k] == needs[k]:
                        c |= 1 << k
                        completions[k].append(i)
            self.masks[i], covers[i] = m, c
        return completions

    def instances(self, units: list, needs: list[int], completions: list[list[int]], mode: str):
        """Each instance's output and nodes, earliest first, merged by unit (or layer) and instance number."""
        merged: dict[tuple, list] = {}  # (unit or layer path, instance number) -> [(output, members, unit)]
        count = [0] * len(units)
        for i, k in sorted((i, u) for u in range(len(units)) for i in completions[u]):
            unit = units[k]
            out = _output(self.nodes, i, unit.module, self.consumers)
            members = self.walk_back(out, needs[k])
            if not _reads_data(self.nodes, members, self.index, self.masks, needs[k]):
                continue  # e.g. the part of sum(p * p for p in params) that covers U: not a forward of U
            members |= _lifted_inputs(self.nodes, members, self.index, self.masks)
            for j in members:  # parameters are in every instance of their unit
                self.owned[j] = self.owned[j] or bool(self.nodes[j]._prev) or not self.masks[j]
            key = (unit.path if mode == "neuron" else unit.layer, count[k])
            merged.setdefault(key, []).append((out, members, unit))
            count[k] += 1
        return merged, count

    def walk_back(self, out: int, need: int) -> set[int]:
        """`out` and the nodes behind it that depend on the unit's parameters, not owned by another instance."""
        members, stack = {out}, [out]
        while stack:
            for child in self.nodes[stack.pop()]._prev:
                j = self.index[id(child)]
                if j not in members and not self.owned[j] and self.masks[j] & need:
                    members.add(j)
                    stack.append(j)
        return members


def _reads_data(nodes: list, members: set, index: dict, masks: list, need: int) -> bool:
    """Each of the unit's parameters meets something else in one of its ops (``w * x``, ``b + ...``).

    A forward pass reads data; ``sum(p * p for p in params)`` also covers the unit but never does.
    """
    met = 0
    for m in members:
        prev = nodes[m]._prev
        own = [not c._prev and masks[index[id(c)]] & need for c in prev]
        if not all(own):
            for c, is_own in zip(prev, own):
                if is_own:
                    met |= masks[index[id(c)]]
    return met == need


def _lifted_inputs(nodes: list, members: set, index: dict, masks: list) -> set:
    """Numbers the members' ops lifted to constant nodes (``w * 0.5``)."""
    return {
        index[id(child)]
        for m in members
        for child in nodes[m]._prev
        if _lifted(child, nodes[m]) and not masks[index[id(child)]]
    }


def _parameter_terms(nodes: list, owned: list, masks: list, index: dict) -> set:
    """Nodes computed from parameters and numbers alone, outside every unit: an L2 penalty, for instance."""
    terms = set()
    for i, node in enumerate(nodes):
        if node._prev and masks[i] and not owned[i]:
            for child in node._prev:
                j = index[id(child)]
                if not (j in terms or _lifted(child, node) or (not child._prev and masks[j])):
                    break
            else:
                terms.add(i)
    return terms | _lifted_inputs(nodes, terms, index, masks)


def _lifted(leaf, op) -> bool:
    """True for a plain number an op turned into a node (`w * 0.5`): the engines mark those when they lift them."""
    return not leaf._prev and leaf._op == CONSTANT


def _output(nodes: list, i: int, module, consumers: dict) -> int:
    """The node a unit hands on: its completed sum, or the activation applied to it."""
    act = getattr(module, "activation", None)
    if isinstance(act, str) and act != "linear":
        for j in consumers.get(i, ()):
            if nodes[j]._op == act:
                return j
    return i


def _units(model: Module) -> Iterator[_Unit]:
    """Every module that owns parameters directly, in definition order."""
    for path, layer, module in _modules(model, "", None):
        params = list(_own_params(vars(module).values()))
        if params:
            yield _Unit(path, layer, module, params)


def _modules(module: Module, path: str, layer: str | None) -> Iterator[tuple[str, str, Module]]:
    yield path, path if layer is None else layer, module
    for key, value in vars(module).items():
        sub = f"{path}.{key}" if path else str(key)
        if isinstance(value, Module):
            yield from _modules(value, sub, sub if layer is None else layer)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                if isinstance(v, Module):
                    yield from _modules(v, f"{sub}.{i}", f"{sub}.{i}" if layer is None else layer)


def _own_params(values) -> Iterator:
    for value in values:
        if is_parameter(value):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from _own_params(value)


def _find(model: Module, path: str) -> Module:
    for p, _, module in _modules(model, "", None):
        if p == path:
            return module
    raise KeyError(path)


def _name(module: Module, path: str) -> str:
    """'Neuron 1.3' for layers.1.neurons.3: the type and the indices along the path."""
    digits = ".".join(part for part in path.split(".") if part.isdigit())
    return f"{type(module).__name__} {digits or path}".strip()
