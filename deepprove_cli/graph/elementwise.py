"""Elementwise nodes: Requant (multiply, round, clamp), Lookup, Mul, Add (residual, clamped), Reshape."""

from __future__ import annotations

import math

import numpy as np

from deepprove_cli.graph.node import EvalContext, Node, Store, register
from deepprove_cli.model import intops


def clamp_bounds(table_name: str, j: int, in_bound: int, store: Store) -> tuple[int, dict]:
    """(bound, intermediates) of a soft clamp at resolution 2^j through a clamp table, checking that
    every possible hi = floor(v / 2^j) lies in the table's domain."""
    values, lo = store.table(table_name)
    hi_lo, hi_hi = -((in_bound + (1 << j) - 1) >> j), in_bound >> j
    if hi_lo < lo or hi_hi >= lo + values.shape[0]:
        raise intops.IntegrityError(
            f"clamp table {table_name} covers [{lo}, {lo + values.shape[0]}), the value needs [{hi_lo}, {hi_hi}]")
    out = max(-int(values.min()) << j, ((int(values.max()) + 1) << j) - 1)
    return out, {"clamp_hi": max(-hi_lo, hi_hi)}


def clamped_bound(node: Node, pre: int, inter: dict, store: Store) -> tuple[int, dict]:
    """(bound, intermediates) after the node's optional soft clamp of a value bounded by `pre`."""
    out = pre
    if "clamp" in node.tables:
        out, c = clamp_bounds(node.tables["clamp"], node.params["clamp_j"], pre, store)
        inter.update(c)
    inter["out"] = out
    return out, inter


def apply_clamp(node: Node, y: np.ndarray, store: Store, adv: dict | None) -> np.ndarray:
    """The node's optional soft clamp (params clamp_j, tables clamp); advice: clamp_hi, clamp_lo."""
    if "clamp" not in node.tables:
        return y
    j = node.params["clamp_j"]
    values, lo = store.table(node.tables["clamp"])
    hi, low = intops.split(y, j)
    if adv is not None:
        adv["clamp_hi"], adv["clamp_lo"] = hi, low
    return (intops.lookup(hi, values, lo) << j) + low


@register
class Limbs(Node):
    """Two limbs of a wide activation for a matmul: out[:, 0] = floor(x / 2^L), out[:, 1] = x mod 2^L
    (a Split; the low limb is committed and range-checked). A matmul over both limbs (one Einsum with
    the limb axis) keeps each accumulator small while x keeps all its bits; Requant with
    `params["limb_shift"]` recombines them."""

    kind = "limbs"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        x = intops.as_int(ins[0])
        L = self.params["shift"]
        out = np.empty((x.shape[0], 2) + x.shape[1:], np.int64)
        np.right_shift(x, L, out=out[:, 0])
        np.bitwise_and(x, (1 << L) - 1, out=out[:, 1])  # x - hi 2^L in [0, 2^L)
        return {"out": out}

    def out_shape(self, in_shapes, store: Store) -> tuple:
        return (2,) + tuple(in_shapes[0])

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        L = self.params["shift"]
        b = max((in_bounds[0] >> L) + 1, (1 << L) - 1)
        return b, {"out": b}


def mul_shift_advice(x, m, k: int, s: int) -> dict:
    """The committed remainders of `intops.mul_shift`: the low limb of x, and the Split remainders of
    both roundings (one when s = 0)."""
    if s:
        xh, xl = intops.split(x, s)
        t = xh * m + intops.round_shift(xl * m, s)
        return {"limb_lo": xl, "limb_round_lo": intops.split(xl * m + (1 << (s - 1)), s)[1],
                "round_lo": intops.split(t + ((1 << (k - s - 1)) if k > s else 0), k - s)[1]}
    return {"round_lo": intops.split(x * m + ((1 << (k - 1)) if k else 0), k)[1]}


def _mul_shift(x, m, k: int, s: int):
    """`intops.mul_shift` through the fused kernel (same integers, tested)."""
    if np.ndim(m) <= 1 and x.ndim >= 1 and x.size:
        from deepprove_cli.model.intkernels import mul_shift_cols

        return mul_shift_cols(x, m, k, s)
    return intops.mul_shift(x, m, k, s)


def limb_parts(k: int, L: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(multiplier factor, shift) for the high and low limb accumulators: hi counts 2^L more."""
    return (1 << max(L - k, 0), max(k - L, 0)), (1, k)


@register
class Requant(Node):
    """y = clamp(round(x * M / 2^k)) with a public multiplier M (per channel over the last axis, or
    one scalar `params["m"]`), plus an optional public bias (output units) before the clamp. With
    `params["limb_shift"]` = L the input is a limb pair (axis 1, from an Einsum over Limbs) and
    y = round(x_hi M 2^L / 2^k) + round(x_lo M / 2^k), each part as below (limb cuts `s_hi`, `s`).

    Relations (intprog.md "Requant"): with s = params["s"] > 0, x = xh 2^s + xl (Split, xl committed,
    range [0, 2^s)); t = xh M + round(xl M / 2^s) (Split of xl M + 2^(s-1) by s, remainder committed);
    then Split of t + 2^(k-s-1) by k - s (remainder committed). With s = 0 one Split of x M + 2^(k-1).
    The optional soft clamp splits y by clamp_j (remainder committed) and looks the high part up in
    the clamp table. Advice: limb_lo, limb_round_lo, round_lo, clamp_hi, clamp_lo."""

    kind = "requant"

    def _m(self, store: Store):
        return store[self.arrays["m"]] if "m" in self.arrays else np.int64(self.params["m"])

    def _parts(self):
        """[(input selector, multiplier factor, shift, limb cut)] for the plain or limb form."""
        k, s = self.params["k"], self.params["s"]
        if "limb_shift" not in self.params:
            return [(None, 1, k, s)]
        (fh, kh), (fl, kl) = limb_parts(k, self.params["limb_shift"])
        return [(0, fh, kh, self.params["s_hi"]), (1, fl, kl, s)]

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        m = self._m(store)
        if not ctx.keep_advice and ins[0].size:  # the fused kernel (equal integers, tested)
            from deepprove_cli.model.intkernels import requant_args, requant_rows

            x = ins[0]
            if "limb_shift" not in self.params:
                x3 = x.reshape(-1, 1, x.shape[-1])
            elif x.ndim == 3:  # (T, 2, C): already rows of limb pairs
                x3 = x
            else:  # (T, 2, ..., C) -> (rows, 2, C)
                x3 = np.moveaxis(x.reshape(x.shape[0], 2, -1, x.shape[-1]), 1, 2).reshape(-1, 2, x.shape[-1])
            y = requant_rows(x3, store.prepared(self.name, lambda: requant_args(
                m, self._parts(), store[self.arrays["bias"]] if "bias" in self.arrays else None,
                (*store.table(self.tables["clamp"]), self.params["clamp_j"]) if "clamp" in self.tables else None,
                x.shape[-1])))
            return {"out": y.reshape(self.out_rows_shape(x))}
        adv = {} if ctx.keep_advice else None
        y = 0
        for sel, f, k, s in self._parts():
            x = ins[0] if sel is None else ins[0][:, sel]
            y = y + _mul_shift(x, m * f, k, s)
            if adv is not None:
                tag = "" if sel is None else ("_hi", "_lo")[sel]
                adv.update({key + tag: v for key, v in mul_shift_advice(x, m * f, k, s).items()})
        if "bias" in self.arrays:
            y = y + store[self.arrays["bias"]]
        y = apply_clamp(self, y, store, adv)
        out = {"out": y}
        if adv:
            out.update(adv)
        return out

    def out_shape(self, in_shapes, store: Store) -> tuple:
        return tuple(in_shapes[0][1:]) if "limb_shift" in self.params else tuple(in_shapes[0])

    def out_rows_shape(self, x: np.ndarray) -> tuple:
        return (x.shape[0],) + tuple(x.shape[2:] if "limb_shift" in self.params else x.shape[1:])

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        m = int(np.abs(self._m(store)).max())
        inter, out = 0, 0
        for _sel, f, k, s in self._parts():
            i, o = intops.mul_shift_bound(in_bounds[0], m * f, k, s)
            inter, out = max(inter, i), out + o
        if "bias" in self.arrays:
            out += int(np.abs(store[self.arrays["bias"]]).max())
        return clamped_bound(self, out, {"mul": inter, "pre_clamp": out}, store)


@register
class Lookup(Node):
    """y = T[x] (primitive 4): logUp-GKR over (x, y) in {(i, T(i))}; y is committed (the advice is
    the output itself). The bound of x must lie inside the table's domain."""

    kind = "lookup"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        values, lo = store.table(self.tables["table"])
        return {"out": intops.lookup(ins[0], values, lo)}

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        values, lo = store.table(self.tables["table"])
        if -in_bounds[0] < lo or in_bounds[0] >= lo + values.shape[0]:
            raise intops.IntegrityError(f"lookup input bound {in_bounds[0]} exceeds table {self.tables['table']}'s domain")
        b = int(np.abs(values).max())
        return b, {"out": b}


@register
class Mul(Node):
    """y = a * b elementwise (primitive 2, two witness tensors: a degree-2 sumcheck). No advice."""

    kind = "mul"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        return {"out": intops.as_int(ins[0]) * intops.as_int(ins[1])}

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        b = in_bounds[0] * in_bounds[1]
        return b, {"out": b}


@register
class Add(Node):
    """y = clamp(a + b) elementwise (primitive 2), e.g. the residual stream; the optional soft clamp
    (Split by clamp_j + clamp table, as in Requant) keeps the stream within its calibrated width.
    Advice: clamp_hi, clamp_lo."""

    kind = "add"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        adv = {} if ctx.keep_advice else None
        y = apply_clamp(self, intops.as_int(ins[0]) + intops.as_int(ins[1]), store, adv)
        out = {"out": y}
        if adv:
            out.update(adv)
        return out

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        s = in_bounds[0] + in_bounds[1]
        return clamped_bound(self, s, {"sum": s}, store)


@register
class Reshape(Node):
    """A view with another shape (same row-major order): no relation to prove, claims map through."""

    kind = "reshape"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        x = ins[0]
        return {"out": x.reshape((x.shape[0],) + tuple(self.params["shape"]))}

    def out_shape(self, in_shapes, store: Store) -> tuple:
        shape = tuple(self.params["shape"])
        if math.prod(shape) != math.prod(in_shapes[0]):
            raise ValueError(f"reshape {self.name}: {in_shapes[0]} -> {shape}")
        return shape

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        if tuple(self.params["shape"])[-1:] == tuple(ins[0].shape)[-1:]:
            self.l2 = ins[0].l2  # rows along the last axis are unchanged
        return ins[0].bound, {}
