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
   itself. A plain number that one of those ops lifted to a node (``w * 0.5``: an unnamed leaf created
   just before the op) joins them; inputs made outside, like a labelled ``x``, stay visible.

Nothing is guessed from shapes or names, so a node is in a group only if that unit's forward made it.
Loss nodes, shared inputs and anything else stay as ordinary nodes of the drawing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .nn.module import Module, is_parameter

__all__ = ["Group", "groups"]


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


def groups(nodes: list, model: Module, mode: str) -> list[Group]:
    """Groups of `nodes` (a topological order) by `mode` 'neuron' or 'layer'; see the module docstring."""
    units = list(_units(model))
    index = {id(n): i for i, n in enumerate(nodes)}
    bit_of: dict[int, int] = {}  # id(parameter in the graph) -> its bit
    needs = []  # per unit: the bits of all its parameters in the graph
    for unit in units:
        need = 0
        for p in unit.params:
            if id(p) in index:
                need |= bit_of.setdefault(id(p), 1 << len(bit_of))
        needs.append(need)
    live = [k for k, need in enumerate(needs) if need]

    # 1. ancestor-parameter bits and covered units of every node, in one pass inputs-first
    masks, covers = [0] * len(nodes), [0] * len(nodes)
    completions: list[list[int]] = [[] for _ in units]  # per unit: where its sums complete
    for i, node in enumerate(nodes):
        if not node._prev:
            masks[i] = bit_of.get(id(node), 0)
            continue
        m = c = 0
        for child in node._prev:
            j = index[id(child)]
            m |= masks[j]
            c |= covers[j]
        if m:
            for k in live:
                if not (c >> k) & 1 and m & needs[k] == needs[k]:
                    c |= 1 << k
                    completions[k].append(i)
        masks[i], covers[i] = m, c

    consumers: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        for child in node._prev:
            consumers.setdefault(index[id(child)], []).append(i)

    # 2. and 3. each instance's output and nodes, earliest first
    owned = [False] * len(nodes)
    merged: dict[tuple, list] = {}  # (unit or layer path, instance number) -> [(output, members, unit)]
    count = [0] * len(units)  # instances found per unit
    starts = sorted((i, k) for k in live for i in completions[k])
    for i, k in starts:
        unit = units[k]
        out = _output(nodes, i, unit.module, consumers)
        members, stack = {out}, [out]
        while stack:
            for child in nodes[stack.pop()]._prev:
                j = index[id(child)]
                if j not in members and not owned[j] and masks[j] & needs[k]:
                    members.add(j)
                    stack.append(j)
        if not _reads_data(nodes, members, index, masks, needs[k]):
            continue  # e.g. the part of sum(p * p for p in params) that covers U: not a forward of U
        members |= _lifted_inputs(nodes, members, index, masks)
        for j in members:
            owned[j] = owned[j] or bool(nodes[j]._prev) or not masks[j]  # parameters: in every instance
        key = (unit.path if mode == "neuron" else unit.layer, count[k])
        merged.setdefault(key, []).append((out, members, unit))
        count[k] += 1

    several = any(c > 1 for c in count)
    result = []
    for (path, n), parts in merged.items():
        module = parts[0][2].module if mode == "neuron" else _find(model, path)
        result.append(
            Group(
                name=_name(module, path) + (f" [{n}]" if several else ""),
                outputs=tuple(nodes[j] for j in sorted(out for out, _, _ in parts)),
                members=tuple(nodes[j] for j in sorted(set().union(*(m for _, m, _ in parts)))),
                n_params=sum(len(unit.params) for _, _, unit in parts),
            )
        )
    terms = _parameter_terms(nodes, owned, masks, index)
    if terms:  # one more group, so that a penalty over every parameter does not flood the picture
        outputs = [j for j in sorted(terms) if j == len(nodes) - 1 or set(consumers.get(j, ())) - terms]
        result.append(
            Group(
                name="parameter terms",
                outputs=tuple(nodes[j] for j in outputs),
                members=tuple(nodes[j] for j in sorted(terms)),
                n_params=0,
            )
        )
    return result


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
    """True for a plain number an op turned into a node (`w * 0.5`): unnamed, made just before the op."""
    return not leaf._prev and not leaf.label and leaf._id + 1 == op._id


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
