"""Proof of the Softmax node (graph.attention.Softmax): causal / sliding-window attention probabilities.

Scores x (T, heads..., keys), rows = (T, heads...), mask M = the public band mask broadcast over the
heads (`HeadBandMask`), D = the masked keys' distance (cmax 2^j), B = sum_bits, Fp = frac_p:

  u    = mul_shift(x, m, k, s)                   guarded splits (nodeproofs.splits.mul_shift)
  mx   = RowMax(u, M)                            [committed: mx, one-hot, d = M (mx - u)] d >= 0, attained
  dist = d + D (1 - M)                           linear (public M): masked keys land where exp is 0
  dc   = soft clamp of dist at 2^j               split (hi guarded by the clamp table's domain), lookup
  e    = exp[dc]                                 [committed] lookup
  S    = sum_keys e                              Einsum with ones (a fold and a sumcheck over the keys)
  f, S_h                                         [committed per row]
  Pn   = pow2[f] = 2^(Fp - f), Pf = pow2[Fp - f] = 2^f    [committed per row] two lookups: f in [0, Fp]
  lo   = S - S_h Pf                              lo in [0, 2^Fp), lo Pn in [0, 2^Fp) (so lo < 2^f),
                                                 S_h - 2^(B-1) in [0, 2^(B-1))
  a    = 2 e Pn + S_h,  b = 2 S_h                (e Pn: an Einsum over the rows, e folded along the keys)
  out  = DivRem(a, b).q                          [committed: out, r] r, b - 1 - r in [0, 2^(B+1)),
                                                 out + 2^(Fp+1) in [0, 2^(Fp+2))

Why each prover-chosen value is pinned: mx is the maximum of the unmasked u and attained (RowMax); d is
then an honest integer in [0, 2^bits), the clamp split pins hi (a table input) and its remainder; e and
the clamp are table outputs. S is an exact integer (< 2^26). With S_h < 2^B, Pf <= 2^Fp, lo is an
integer of |lo| < 2^27 whose range check makes it 0 <= lo < 2^Fp; lo Pn < 2^28 cannot wrap, so lo < 2^f:
S = S_h 2^f + lo with S_h of exactly B bits fixes f = bitlen(S) - B and S_h = floor(S / 2^f). Then
a <= 2^(Fp+1) exp_max + 2^B <= 2^29 + 2^12 (for every f the lookups admit) and b are the node's
integers, and DivRem gives the floor, its widths fitting the field (graph.attention.Softmax's docstring).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.graph.attention import masked_distance, softmax_sum_split
from deepprove_cli.lookup import felt
from deepprove_cli.nodeproofs.base import NodeProof, register
from deepprove_cli.nodeproofs.ops import AdviceOp, ConstraintOp, EinsumOp, TableOp
from deepprove_cli.nodeproofs.splits import declare_range, linear, mul_shift, range_check, soft_clamp
from deepprove_cli.relations.divrem import HALF, DivRem
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.layout import Operand, TensorLayout
from deepprove_cli.relations.public import Ones, PublicTensor, band_mask_eval
from deepprove_cli.relations.ranges import MAX_BITS
from deepprove_cli.relations.rowmax import RowMax

_LETTERS = "abcdefghij"


class HeadBandMask(PublicTensor):
    """mask[t, h..., s] = [0 <= t - s < window] (window 0: causal only), the same for every head: the
    band mask's MLE times the real-entry indicator of the head dimensions (their variables are disjoint)."""

    kind = "head_band_mask"

    def __init__(self, shape, window: int = 0):
        super().__init__(shape)
        self.window = int(window)
        self._table = None

    def values(self) -> np.ndarray:
        T, S = self.shape[0], self.shape[-1]
        d = np.arange(T, dtype=np.int64)[:, None] - np.arange(S, dtype=np.int64)[None, :]
        band = (d >= 0) & ((d < self.window) if self.window else True)
        view = band.astype(np.int64).reshape((T,) + (1,) * (len(self.shape) - 2) + (S,))
        return np.broadcast_to(view, self.shape)

    def table(self) -> np.ndarray:
        if self._table is None:
            self._table = super().table()
        return self._table

    def evaluate(self, point) -> np.ndarray:
        parts = self.layout.split_point(point)
        acc = band_mask_eval(parts[0], parts[-1], self.shape[0], self.shape[-1], 0, self.window)
        for d, part in zip(self.shape[1:-1], parts[1:-1]):
            acc = felt.mul(acc, TensorLayout((d,)).indicator_eval(part))
        return acc

    def describe(self) -> dict:
        return {**super().describe(), "window": self.window}


@register
class SoftmaxProof(NodeProof):
    kind = "softmax"

    def lower(self, node, low) -> None:
        p = node.params
        x = low.input(0)
        shape = low.shape_of(x)
        rows, keys = shape[:-1], (1,)
        row_shape = rows + keys  # a per-row tensor read along the keys (same table)
        letters = _LETTERS[:len(shape)]
        mask = HeadBandMask(shape, p.get("window") or 0)
        u_bound = int(node.inter["u"])

        # u = mul_shift(x, m, k, s)
        terms = mul_shift(low, "u", x, shape, int(p["m"]), abs(int(p["m"])), int(p["k"]), int(p["s"]),
                          low.input_bound())
        u = terms[0][1].name if len(terms) == 1 and terms[0][0] == 1 else linear(low, "u", shape, terms)

        # the row max over the unmasked keys, and d = M (mx - u)
        mx = low.tensor("max", rows, "committed")
        rm = RowMax(low.operand(u), mx, max(1, (2 * u_bound).bit_length()), mask)
        advice = [low.tensor(low.suffix_of(t.name), shape, "committed") for t in (rm.s, rm.d)]
        declare_range(low, rm.range, identity=False)
        limbs = [limb.name for limb in getattr(rm.range, "limbs", [])]
        low.op(ConstraintOp(rm, [mx] + advice + limbs, lambda v: rm.witness(v[u]), label=f"rowmax {node.name}"))

        # masked keys to distance D, the soft clamp, the exp lookup
        cv, _ = low.table_values("clamp")
        big = masked_distance(cv, int(p["clamp_j"]))
        dist = linear(low, "dist", shape, [(1, low.operand(rm.d.name)), (-big, mask)], const=big)
        dc = soft_clamp(low, dist, shape, int(node.inter["d"]), suffix="dc")
        e = low.tensor("exp", shape, "committed")
        ev, elo = low.table_values("exp")
        low.op(TableOp(e, dc, ev, elo, label=f"exp {node.name}"))
        low.lookup(low.table("exp"), [dc, e])

        # S = sum_keys e
        total = low.tensor("sum", rows, "virtual")
        low.op(EinsumOp(Einsum(f"{letters},{letters[-1]}->{letters[:-1]}", low.operand(e), Ones((shape[-1],)), total),
                        forward=lambda v: np.asarray(v[e], np.int64).sum(axis=-1), label=f"row sums {node.name}"))
        self._normalize(node, low, shape, rows, row_shape, letters, e, total)

    def _normalize(self, node, low, shape, rows, row_shape, letters, e, total) -> None:
        """S = S_h 2^f + lo pinned, then out = DivRem(2 e 2^(Fp - f) + S_h, 2 S_h).q (module docstring)."""
        p = node.params
        B, fp = int(p["sum_bits"]), int(p["frac_p"])
        pv, plo = low.table_values("pow2")
        check_tables(node.name, pv, plo, low.table_values("exp")[0], B, fp, shape[-1])
        f, s_h = low.tensor("sum_exp", rows, "committed"), low.tensor("sum_hi", rows, "committed")

        def split_sum(v):
            fe, sh, _ = softmax_sum_split(v[total], B)
            return {f: fe, s_h: sh}

        low.op(AdviceOp([f, s_h], split_sum, label=f"row sum exponent {node.name}"))
        pow2 = low.table("pow2")
        pn, pf = low.tensor("pow2_n", rows, "committed"), low.tensor("pow2_f", rows, "committed")
        low.op(TableOp(pn, f, pv, plo, label=f"2^(Fp-f) {node.name}"))
        low.lookup(pow2, [f, pn])
        fc = linear(low, "sum_exp_c", rows, [(-1, Operand(f, rows))], const=fp)
        low.op(TableOp(pf, fc, pv, plo, label=f"2^f {node.name}"))
        low.lookup(pow2, [fc, pf])
        row_letters = letters[:-1]
        prod = f"{row_letters},{row_letters}->{row_letters}"
        hi_part = low.tensor("sum_hi_shifted", rows, "virtual")
        low.op(EinsumOp(Einsum(prod, Operand(s_h, rows), Operand(pf, rows), hi_part), label=f"S_h 2^f {node.name}"))
        lo = linear(low, "sum_lo", rows, [(1, Operand(total, rows)), (-1, Operand(hi_part, rows))])
        range_check(low, "sum_lo.range", rows, fp, [(1, Operand(lo, rows))])
        lo_n = low.tensor("sum_lo_scaled", rows, "virtual")
        low.op(EinsumOp(Einsum(prod, Operand(lo, rows), Operand(pn, rows), lo_n), label=f"lo 2^(Fp-f) {node.name}"))
        range_check(low, "sum_lo_scaled.range", rows, fp, [(1, Operand(lo_n, rows))])
        range_check(low, "sum_hi.range", rows, B - 1, [(1, Operand(s_h, rows))], -(1 << (B - 1)))

        # out = DivRem(2 e Pn + S_h, 2 S_h).q
        e_pn = low.tensor("exp_scaled", shape, "virtual")
        low.op(EinsumOp(Einsum(f"{letters},{row_letters}->{letters}", low.operand(e), Operand(pn, rows), e_pn),
                        forward=lambda v: np.asarray(v[e], np.int64) * np.asarray(v[pn], np.int64)[..., None],
                        label=f"e 2^(Fp-f) {node.name}"))
        num = linear(low, "num", shape, [(2, Operand(e_pn, shape)), (1, Operand(s_h, row_shape))])
        den = linear(low, "den", rows, [(2, Operand(s_h, rows))])
        out = low.out("committed")
        rem = low.tensor("rem", shape, "committed")
        dr = DivRem(Operand(num, shape), Operand(den, rows), out, rem, B + 1, fp + 2)
        if any(rc.bits > MAX_BITS for rc in dr.ranges):
            raise InputError(f"softmax {node.name}: division widths {B + 1} / {fp + 2} bits need limbs (not supported)")
        low.op(ConstraintOp(dr, [out, rem], lambda v: dr.witness(v[num], v[den]), label=f"divrem {node.name}"))
        for rc in dr.ranges:  # r itself; the gap and the biased quotient: derived columns (after r is known)
            declare_range(low, rc, identity=False)


def check_tables(name: str, pow2, pow2_lo: int, exp, B: int, fp: int, keys: int) -> None:
    """What the pinning argument (module docstring) reads from the key's tables, checked by prover and
    verifier alike: pow2 = 2^(Fp - i) on [0, Fp] from 0 (so both lookups admit exactly f in [0, Fp]),
    exp values in [0, e_max] with keys e_max < 2^(Fp+B) (S exact) and 2^(Fp+1) e_max + 2^B <= (p-1)/2
    (DivRem's numerator)."""
    pow2, exp = np.asarray(pow2, np.int64), np.asarray(exp, np.int64)
    want = np.left_shift(np.int64(1), fp - np.arange(fp + 1, dtype=np.int64))
    if pow2_lo != 0 or pow2.shape[0] <= fp or not np.array_equal(pow2[:fp + 1], want):
        raise InputError(f"softmax {name}: its pow2 table is not 2^({fp} - i) on [0, {fp}]")
    e_max = int(exp.max()) if exp.size else 0
    if (exp.size and int(exp.min()) < 0) or keys * e_max >= 1 << (fp + B) or (e_max << (fp + 1)) + (1 << B) > HALF:
        raise InputError(f"softmax {name}: exp table values up to {e_max} are too wide for the normalization "
                         f"({keys} keys, {B} + {fp} bits)")
