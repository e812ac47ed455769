"""The prover's witness: every node evaluated with its own `eval` (the one definition of every op),
then the node's proof ops run forward to compute what the proof adds (split quotients and limbs,
derived range columns, products), checked against the evaluation wherever both give a tensor."""

from __future__ import annotations

import time

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.graph.node import EvalContext
from deepprove_cli.nodeproofs.base import WEIGHT_PREFIX


def forward(plan, qm, timings: dict | None = None, progress=None, tamper=None) -> tuple[dict, dict]:
    """(values of every tensor of the plan, node outputs the plan has no tensor for (the argmax)).
    The argmax node's tokens must be the statement's outputs (InputError otherwise).

    Values are computed as int64 and converted to canonical field elements (uint32) as soon as nothing
    evaluates them any more: a node's inner tensors after its own ops, its output after its last reader
    (the weights stay integers; `to_field_values` converts what is left). `tamper(op, new, values)`
    (tests: a cheating prover) may change what each op computes before it is stored; the check against
    the node's evaluation is then skipped."""
    from deepprove_cli.field.babybear import to_field

    store = qm.store()
    ctx = EvalContext.full(plan.env.ids, keep_advice=True)
    values = {w: np.asarray(qm.arrays[w[len(WEIGHT_PREFIX):]]) for w in plan.weights}
    outputs = {}
    last_read = {}
    for i, nl in enumerate(plan.nodes):
        for src in nl.node.inputs:
            last_read[src] = i
    inner: dict[str, list[str]] = {}
    for info in plan.tensors.values():
        if info.node and info.name != info.node:
            inner.setdefault(info.node, []).append(info.name)
    for i, nl in enumerate(plan.nodes):
        t0 = time.perf_counter()
        node = nl.node
        out = node.eval([values[s] if s in values else outputs[s] for s in node.inputs], store, ctx)["out"]
        if node.name in plan.tensors:
            values[node.name] = _shaped(plan, node.name, out)
        else:
            outputs[node.name] = out
        if node.kind == "argmax" and tamper is None:
            check_greedy(plan, out)
        for op in nl.ops:
            new = op.forward(values)
            if tamper is not None:
                tamper(op, new, values)
            for name, v in new.items():
                v = _shaped(plan, name, v)
                if name in values and tamper is None and not np.array_equal(values[name], v):
                    raise InputError(f"node {node.name}: its proof ({op.label}) computes another {name} than "
                                     f"the node's evaluation (a lowering bug)")
                values[name] = v
        done = inner.get(node.name, []) + [s for s in set(node.inputs) if last_read[s] == i and s in plan.tensors]
        if node.name in plan.tensors and node.name not in last_read:
            done.append(node.name)
        for name in done:
            values[name] = to_field(values[name])
        if timings is not None:
            timings[node.kind] = timings.get(node.kind, 0.0) + time.perf_counter() - t0
        if progress:
            progress("witness", i + 1, len(plan.nodes))
    return values, outputs


def check_greedy(plan, argmax) -> None:
    """The statement's output tokens must be the graph's argmax at rows n_prompt - 1 .. T - 1."""
    chosen = np.asarray(argmax, np.int64)[plan.env.n_prompt - 1:]
    bad = np.nonzero(chosen != plan.env.outputs)[0]
    if bad.size:
        i = int(bad[0])
        raise InputError(f"output token {i} is {int(plan.env.outputs[i])}, the model's greedy choice there is "
                         f"{int(chosen[i])}: the tokens are not this model's output")


def _shaped(plan, name: str, v) -> np.ndarray:
    shape = plan.tensors[name].shape
    a = np.asarray(v, dtype=np.int64)
    if a.size != int(np.prod(shape, dtype=np.int64)):
        raise InputError(f"tensor {name}: {a.shape} values, the plan expects {shape}")
    return a.reshape(shape)


def to_field_values(values: dict) -> dict:
    """Canonical field elements (uint32, unpadded) of every tensor (those already converted kept). The
    weights stay integers (often memory-mapped): a relation converts them where it reads them, once."""
    from deepprove_cli.field.babybear import to_field

    return {name: v if v.dtype == np.uint32 or name.startswith(WEIGHT_PREFIX) else to_field(v)
            for name, v in values.items()}
