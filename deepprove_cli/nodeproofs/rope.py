"""Proof of the Rope node (graph.attention.Rope): every rotated pair (a, b) of the last axis becomes
a' = round((a cos - b sin) / 2^F), b' = round((a sin + b cos) / 2^F) with cos/sin the public table rows
of each row's position; dimensions past n_rot pass unchanged.

The input is read in a PAIR VIEW (an alias: the same padded table) where the pair index is an axis of
its own: NEOX pairs (i, i + n/2) as (..., m, n/2) with m = hd / (n/2) chunks (chunk 0 = a, 1 = b,
the rest pass), interleaved pairs (2i, 2i + 1) as (..., hd/2, 2). One Einsum with a per-position
rotation tensor R (2 x 2 blocks [[cos, -sin], [sin, cos]], 2^F on the diagonal of passing entries,
so their rounding gives them back exactly) forms u = R x exactly (|u| <= the graph's "rot" bound <
p/2); one rounding split u + 2^(F-1) = out 2^F + rem (rem committed, range-checked; out guarded by the
node's output bound) gives the output, aliased back to the node's shape.

R comes from the cos/sin tables selected by the public positions: tables in clear make R a public
tensor the verifier evaluates; committed tables (>= 2^16 entries) are selected row by row with the
Select relation (claims on the committed tables, opened with the weights) and stacked into R.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.nodeproofs.base import NodeProof, register
from deepprove_cli.nodeproofs.ops import AliasOp, EinsumOp, StackOp, same_padded_table
from deepprove_cli.nodeproofs.splits import linear, split
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.public import Dense
from deepprove_cli.relations.select import Select

_LETTERS = "abcdefgh"  # head axes (t, i, j, k are the einsum's own letters)


def pair_view(shape, n_rot: int, neox: bool) -> tuple[tuple, int]:
    """(the pair view of a (T, *heads, hd) shape, the number of frequencies of the view) or InputError."""
    hd = shape[-1]
    half = n_rot // 2
    if n_rot < 2 or n_rot % 2 or n_rot > hd:
        raise InputError(f"rope: n_rot {n_rot} must be even and at most the head dimension {hd}")
    if neox:
        if hd % half:
            raise InputError(f"rope: NEOX pairs need n_rot / 2 = {half} to divide the head dimension {hd}")
        view, freqs = tuple(shape[:-1]) + (hd // half, half), half
    else:
        view, freqs = tuple(shape[:-1]) + (hd // 2, 2), hd // 2
    if not same_padded_table(shape, view):
        raise InputError(f"rope: the pair view {view} of {tuple(shape)} has another padded layout (head "
                         f"dimension and n_rot must be powers of two)")
    return view, freqs


def rotation_values(cos_rows: np.ndarray, sin_rows: np.ndarray, view, frac: int, neox: bool) -> np.ndarray:
    """R for the rows' cos/sin (T, n/2): (T, m, m, n/2) [i, j, k] for NEOX, (T, hd/2, 2, 2) [k, i, j]
    otherwise; u[.., i, k] = sum_j R[t, i, j, k] x[.., j, k] (resp. R[t, k, i, j] x[.., k, j])."""
    T, half = cos_rows.shape
    one = 1 << frac
    if neox:
        m = view[-2]
        R = np.zeros((T, m, m, half), np.int64)
        R[:, 0, 0], R[:, 0, 1], R[:, 1, 0], R[:, 1, 1] = cos_rows, -sin_rows, sin_rows, cos_rows
        for i in range(2, m):
            R[:, i, i] = one
        return R
    freqs = view[-2]
    R = np.zeros((T, freqs, 2, 2), np.int64)
    R[:, :, 0, 0] = R[:, :, 1, 1] = one
    R[:, :half, 0, 0], R[:, :half, 0, 1], R[:, :half, 1, 0], R[:, :half, 1, 1] = cos_rows, -sin_rows, sin_rows, cos_rows
    return R


def rope_spec(n_heads: int, neox: bool) -> str:
    """The einsum of the pair view (t, heads..., pair, freq) with R."""
    h = _LETTERS[:n_heads]
    if neox:
        return f"t{h}jk,tijk->t{h}ik"
    return f"t{h}kj,tkij->t{h}ki"


@register
class RopeProof(NodeProof):
    kind = "rope"

    def lower(self, node, low) -> None:
        p = node.params
        n_rot, neox, frac = int(p["n_rot"]), bool(p["neox"]), int(p["frac"])
        x = low.input(0)
        shape = low.shape_of(x)
        if len(shape) - 2 > len(_LETTERS):
            raise InputError(f"rope {node.name}: too many head axes in {shape}")
        view, _ = pair_view(shape, n_rot, neox)
        xv = low.tensor("pairs", view, "virtual")
        low.op(AliasOp(xv, x, shape, view, label=f"rope pairs {node.name}"))
        R = self._rotation(node, low, view, n_rot, neox, frac)
        u = low.tensor("rot", view, "virtual")
        low.op(EinsumOp(Einsum(rope_spec(len(shape) - 2, neox), low.operand(xv), R, u), label=f"rope {node.name}"))
        bound = max(int(node.bound), low.input_bound())
        outv, _ = split(low, "out", view, [(1, Operand(u, view))], frac, True, bound)
        out = low.out()
        low.op(AliasOp(out, outv, view, shape, label=f"rope out {node.name}"))

    def _rotation(self, node, low, view, n_rot: int, neox: bool, frac: int):
        """R as a public Dense (tables in clear) or a virtual tensor stacked from selected rows."""
        pos = low.env.positions
        cos, sin = low.array("cos"), low.array("sin")
        half = n_rot // 2
        if isinstance(cos, Dense) and isinstance(sin, Dense):
            c, s = (np.asarray(a.values(), np.int64) for a in (cos, sin))
            if c.shape != s.shape or c.ndim != 2 or c.shape[1] != half or c.shape[0] < low.T:
                raise InputError(f"rope {node.name}: cos/sin tables {c.shape} do not cover {low.T} positions x "
                                 f"{half} frequencies")
            return Dense(rotation_values(c[pos], s[pos], view, frac, neox))
        if isinstance(cos, Dense) or isinstance(sin, Dense):
            raise InputError(f"rope {node.name}: cos and sin must both be committed or both in clear")
        if view[-2] != (2 if neox else half):
            raise InputError(f"rope {node.name}: committed tables need n_rot equal to the head dimension")
        rows = {}
        for role, table in (("cos", cos), ("sin", sin)):
            if table.shape[1:] != (half,) or table.shape[0] < low.T:
                raise InputError(f"rope {node.name}: the {role} table {table.shape} does not cover {low.T} positions")
            name = low.tensor(role, (low.T, half), "virtual")
            rows[role] = name
            low.op(EinsumOp(Select(table, pos, name), forward=lambda v, t=table.name: np.asarray(v[t], np.int64)[pos],
                            label=f"rope {role} rows {node.name}"))
        part = (low.T, half)
        neg = linear(low, "neg_sin", part, [(-1, Operand(rows["sin"], part))])
        axis = 1 if neox else 2  # the pair axes: (T, i, j, k) or (T, k, i, j)
        r0 = low.tensor("r0", part[:axis] + (2,) + part[axis:], "virtual")
        r1 = low.tensor("r1", part[:axis] + (2,) + part[axis:], "virtual")
        low.op(StackOp(r0, [rows["cos"], neg], part, axis, label=f"rope rotation {node.name}"))
        low.op(StackOp(r1, [rows["sin"], rows["cos"]], part, axis, label=f"rope rotation {node.name}"))
        R = low.tensor("rotation", (low.T, 2, 2, half) if neox else (low.T, half, 2, 2), "virtual")
        low.op(StackOp(R, [r0, r1], low.shape_of(r0), axis, label=f"rope rotation {node.name}"))
        return low.operand(R)
