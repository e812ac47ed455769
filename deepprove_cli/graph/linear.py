"""Linear nodes: Einsum (every contraction: weights, Q.K^T, attention.V) and Embedding (row gathers)."""

from __future__ import annotations

import math

import numpy as np

from deepprove_cli.graph.node import EvalContext, Node, Store, register
from deepprove_cli.model import intops


FEW_ROWS = 64
_ROWS_SPECS = ("tk,ok->to", "tlk,ok->tlo")  # rows of a times the weights' rows: a kernel for few rows


def _scores(q: np.ndarray, k: np.ndarray) -> np.ndarray:
    """"tkgd,skd->tkgs" as one batched matmul over the K/V heads (float64, exact by the bound)."""
    t, kv, g, d = q.shape
    qm = q.transpose(1, 0, 2, 3).reshape(kv, t * g, d).astype(np.float64)
    km = k.transpose(1, 2, 0).astype(np.float64)  # (kv, d, s)
    return np.matmul(qm, km).reshape(kv, t, g, -1).transpose(1, 0, 2, 3).astype(np.int64)


def _weighted_values(p: np.ndarray, v: np.ndarray) -> np.ndarray:
    """"tkgs,skd->tkgd" as one batched matmul over the K/V heads."""
    t, kv, g, s = p.shape
    pm = p.transpose(1, 0, 2, 3).reshape(kv, t * g, s).astype(np.float64)
    vm = v.transpose(1, 0, 2).astype(np.float64)  # (kv, s, d)
    return np.matmul(pm, vm).reshape(kv, t, g, -1).transpose(1, 0, 2, 3).astype(np.int64)


_ATTENTION = {"tkgd,skd->tkgs": _scores, "tkgs,skd->tkgd": _weighted_values}


def _contracted(spec: str) -> tuple[str, str, str]:
    ins, out = spec.split("->")
    a, b = ins.split(",")
    return a, b, out


@register
class Einsum(Node):
    """y = einsum(spec, a, b) (+ bias over the last axis): primitive 1, exact over the integers.

    `b` is either the second input or the public weight `arrays["w"]` (committed with the model).
    Proof: sumcheck over the contracted indices (indices shared by a, b and y weighted by eq); the
    bias is a public constant added to the claim. No advice: y itself is the claimed output.
    Bound: for weights, max over output entries of sum |W| times the bound of a; for two activations,
    `params["a_sum"]` (a bound on sum |a| over the contraction, e.g. softmax rows) times the bound of b,
    else the contraction size times both bounds, or (contracting the last axis of both) the product of
    their row norms (Cauchy-Schwarz), whichever is smaller."""

    kind = "einsum"

    def _b(self, ins, store: Store):
        return store.f64(self.arrays["w"]) if "w" in self.arrays else ins[1]

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        y = self._product(ins, store)
        if "bias" in self.arrays:
            y = y + store[self.arrays["bias"]]
        return {"out": y}

    def _product(self, ins, store: Store) -> np.ndarray:
        """einsum(spec, a, b) without the bias: a kernel for few rows, batched matmuls for attention."""
        spec = self.params["spec"]
        if "w" in self.arrays and spec in _ROWS_SPECS:
            a = ins[0]
            rows = a.reshape(-1, a.shape[-1])
            if rows.shape[0] <= FEW_ROWS:  # decoding: read the integer weights once, no float copy
                from deepprove_cli.model.intkernels import rows_times_weights

                if self.inter.get("acc", self.bound) > intops.P_HALF:
                    raise intops.IntegrityError("einsum bound too large for exact accumulation")
                y = rows_times_weights(rows, store[self.arrays["w"]], self.inter.get("a", 1 << 62) < 1 << 15)
                return y.reshape(a.shape[:-1] + (-1,))
        if spec in _ATTENTION:
            if ins[0].shape[0] <= FEW_ROWS:  # decoding: a direct kernel beats the matmul set-up
                from deepprove_cli.model.intkernels import attention_scores, attention_values

                kernel = attention_scores if spec == "tkgd,skd->tkgs" else attention_values
                return kernel(ins[0], ins[1])
            return _ATTENTION[spec](ins[0], ins[1])
        return intops.exact_einsum(spec, ins[0], self._b(ins, store), self.inter.get("acc", self.bound))

    def out_shape(self, in_shapes, store: Store) -> tuple:
        a, b, out = _contracted(self.params["spec"])
        sizes = dict(zip(a[1:], in_shapes[0]))
        bshape = store[self.arrays["w"]].shape if "w" in self.arrays else (None, *in_shapes[1])
        for ch, n in zip(b, bshape):
            if sizes.get(ch) is None:
                sizes[ch] = n
        return tuple(sizes[c] for c in out[1:])

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        a, b, out = _contracted(self.params["spec"])
        if "w" in self.arrays:
            w = np.abs(store[self.arrays["w"]].astype(np.float64))
            a_shape = (1,) + tuple(in_shapes[0])
            acc = np.einsum(f"{a},{b}->{out}", np.full(a_shape, float(in_bounds[0])), w, optimize=True)
            acc_bound = int(acc.max()) if acc.size else 0
        elif "a_sum" in self.params:
            acc_bound = int(self.params["a_sum"]) * in_bounds[1]
        else:
            acc_bound = contraction_size(self.params["spec"], in_shapes[0], in_shapes[1]) * in_bounds[0] * in_bounds[1]
            summed = set(a + b) - set(out)
            if ins[0].l2 and ins[1].l2 and summed == {a[-1]} and a[-1] == b[-1]:
                acc_bound = min(acc_bound, ins[0].l2 * ins[1].l2)  # Cauchy-Schwarz over the last axis
        bias = int(np.abs(store[self.arrays["bias"]]).max()) if "bias" in self.arrays else 0
        return acc_bound + bias, {"a": in_bounds[0], "acc": acc_bound, "out": acc_bound + bias}


@register
class Embedding(Node):
    """y[t] = table[id_t] for public ids (the token ids, or the positions for learned position
    embeddings): primitive 8. The table is committed with the weights; the proof opens the selected
    rows (a claim on y at r reduces to the table at (ids(r), r_cols)). No advice."""

    kind = "embedding"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        ids = ctx.tokens if self.params["source"] == "tokens" else ctx.positions
        return {"out": store[self.arrays["table"]][ids].astype(np.int64)}

    def out_shape(self, in_shapes, store: Store) -> tuple:
        return tuple(store[self.arrays["table"]].shape[1:])

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        b = int(np.abs(store[self.arrays["table"]]).max())
        return b, {"out": b}


def contraction_size(spec: str, a_shape: tuple, b_shape: tuple) -> int:
    """Product of the sizes of the indices summed over; a key axis (None) cannot be summed this way."""
    a, b, out = _contracted(spec)
    sizes = dict(zip(a[1:], a_shape))
    sizes.update({c: n for c, n in zip(b[1:], b_shape)})
    summed = [sizes.get(c) for c in set(a + b) - set(out)]
    if any(n is None for n in summed):
        raise ValueError(f"einsum {spec}: summing over the key axis needs a bound on the row sums (a_sum)")
    return math.prod(summed)
