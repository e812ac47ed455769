"""Proof of the Norm node (graph.norm.Norm): RMSNorm and LayerNorm in per-row block floating point.

Rows are the input's leading axes, d its last one; per-row tensors (shape `rows`) are read along the
row as (rows, 1). With x the input (LayerNorm: centered first), the proof follows the node's eval:

  mean  (LayerNorm) x = xh 2^sl + xl (split), Sh = sum xh, Sl = sum xl (Einsums with ones),
        Sh = d qh + rh, rh 2^sl + Sl = d ql + rl (divisions by the PUBLIC d: a linear relation with
        rh, rl in [0, d) range-checked and the quotients guarded), x <- x - (qh 2^sl + ql)
  e     [committed per row] e - e_min, e_max - e in range; Q = pow2[e + q_off] = 2^(K+E2-e) (lookup)
  B     [committed per row] B Q = 2^(A+K+E2+t) (so B = 2^(A+e+t), t = 1 iff e_min = -(A+1));
        2^t x + B and B - 1 - 2^t x in [0, 2^W): |x| < 2^(A+e) over the integers
  x2    x Q = x2 2^K + lo (split; x Q is exact because of B), x2 = x1 2^E2 + [xl2 | xr] (split, its
        remainder committed as the mul_shift's limbs sz and E2 - sz), x1 + 2^A in [0, 2^(A+1))
  pin   [committed] flag per row, S per entry (0/1): sum S = flag, (e_max - e_min) flag >= e - e_min,
        v = sum S x1, (2v + 1)^2 >= 4^A flag: one entry outside [-2^(A-1), 2^(A-1)) unless e = e_min
  ss    sum x1^2 + eps[e + eps_off] (Einsum, lookup); [committed per row] fh = f/2, pf = pf[fh] =
        2^(7-fh) (lookup), F with F pf^2 = 2^14 (F = 2^f), h; ss = h F + rs with rs, rs pf^2 in
        [0, 2^14) (rs < 2^f), h in [0, 2^16), (h - 2^14)(2^7 - pf) >= 0 (h >= 2^14 when f > 0)
  r     rsqrt[h] (lookup)
  t     x2h r + round(xl2 r / 2^sz) with x2h = x1 2^(E2-sz) + xr (the limb cut of mul_shift), w guarded
  z     round(t / 2^(kz - sz + fh)) = th pf 2^(m-c-7) + round(tl pf / 2^(c+7)), c = kz - sz, from the
        FIXED split t = th 2^m + tl: no product of a wide quotient with a variable power of two
  y     clamp(mul_shift(z, m, ko, so) + beta)           (nodeproofs.splits, as Requant)

Why the graph's docstring "Pins" are not enough, and what the extra columns buy:
- e from below: the range check of x1 alone does not pin e. With e' < e the product x Q' (Q' up to
  2^(K+E2-e_min)) can exceed p and wrap into the range x1 admits (about one chance in 8 per entry
  for a massive-activation row). B bounds x by 2^(A+e) with two range checks before any product.
- e from above: the pin entry (one-hot S) when e > e_min; rows at e_min need none.
- the per-row shift kz + f/2: z P + rem = t with a committed z and P = 2^(c+fh) lets z P wrap for
  P = 2^(c+7) (z off by about p/2^8 passes z's own bound), so z is formed without that product.
- every product has bounded factors: x Q (by B), x1 x1, S x1, h F, rs pf^2, xl2 r, x2h r (r <= the
  rsqrt table's largest value on [2^14, 2^16) whenever x2 != 0: such rows have ss >= 2^14, checked
  below), tl pf, th pf; the bounds are checked at lowering from the key (InputError otherwise).
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.model import intops
from deepprove_cli.nodeproofs.base import NodeProof, register
from deepprove_cli.nodeproofs.elementwise import _clamped_or_plain
from deepprove_cli.nodeproofs.ops import AdviceOp, ConstraintOp, EinsumOp, LinearOp, SplitOp, TableOp
from deepprove_cli.nodeproofs.splits import guard, limb_terms, linear, mul_shift, range_check, split
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.elementwise import LinearRelation, mul
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.public import Dense, Ones
from deepprove_cli.relations.ranges import MAX_BITS, MAX_COMPARE_BITS
from deepprove_cli.relations.split import SplitSpec

_LETTERS = "abcdefghij"
HALF = (P - 1) // 2
H_MIN = 1 << 14  # h of a row that is not all zeros (graph.norm: ss >= 2^14)


def _refuse(node, why: str):
    raise InputError(f"norm {node.name}: {why}")


class _Rows:
    """Names and operands of one node's entry tensors (shape) and row tensors (rows)."""

    def __init__(self, low, shape):
        self.low, self.shape, self.rows = low, tuple(shape), tuple(shape[:-1])
        self.L = _LETTERS[:len(shape)]

    def x(self, name) -> Operand:
        return Operand(name, self.shape)

    def r(self, name) -> Operand:
        return Operand(name, self.rows)

    def rb(self, name) -> Operand:
        """A row tensor read along the row (same table)."""
        return Operand(name, self.rows + (1,))

    def advice(self, specs, compute, label) -> list[str]:
        """Committed tensors [(suffix, 'rows' | 'entries')] computed from known values."""
        names = [self.low.tensor(s, self.rows if k == "rows" else self.shape, "committed") for s, k in specs]
        self.low.op(AdviceOp(names, lambda v: dict(zip(names, compute(v))), label=label))
        return names

    def product(self, suffix, a: Operand, b: Operand) -> str:
        """a * b elementwise (b may be a row tensor read along the row)."""
        shape = np.broadcast_shapes(a.shape, b.shape)
        out = self.low.tensor(suffix, shape, "virtual")
        self.low.op(EinsumOp(mul(out, a, b), forward=lambda v: np.asarray(v[a.name], np.int64).reshape(a.shape)
                             * np.asarray(v[b.name], np.int64).reshape(b.shape), label=f"norm product {out}"))
        return out

    def row_sum(self, suffix, a: Operand, b=None) -> str:
        """sum over the row of a (times b, an entry tensor): a row tensor."""
        out = self.low.tensor(suffix, self.rows, "virtual")
        other = Ones((self.shape[-1],)) if b is None else b
        spec = f"{self.L},{self.L[-1] if b is None else self.L}->{self.L[:-1]}"
        self.low.op(EinsumOp(Einsum(spec, a, other, out), label=f"norm row sum {out}"))
        return out

    def equals(self, suffix, name: str, value: int) -> None:
        """The row tensor `name` is `value` on every real row (a linear identity at a fresh point)."""
        rel = LinearRelation(self.rows, [(1, self.r(name))], -int(value), name=f"{self.low.name(suffix)}")
        self.low.op(ConstraintOp(rel, label=f"norm constant {self.low.name(suffix)}"))

    def reciprocal(self, suffix, of: str, const: int) -> str:
        """A committed row tensor R with R * of = const: R = const / of, a unique field element (`of` a
        nonzero table value), the integer const // of when `of` divides const."""
        (R,) = self.advice([(suffix, "rows")], lambda v: [const // np.asarray(v[of], np.int64)], f"{suffix} advice")
        self.equals(f"{suffix}.check", self.product(f"{suffix}.prod", self.r(R), self.r(of)), const)
        return R


def _divide(node, rw: _Rows, suffix: str, terms, d: int, q_bound: int) -> tuple[str, str]:
    """(q, r) = divmod(sum terms, d) per row for the public d: r committed with r and d - 1 - r in range,
    q defined by n = d q + r and guarded (|q| <= q_bound). A public divisor needs no DivRem: its quotient
    is pinned for |q| up to about p / (4 d) (DivRem's witness divisor allows p / 2^(bits+2))."""
    low = rw.low
    bits = max(1, (d - 1).bit_length())
    (rem,) = rw.advice([(f"{suffix}.rem", "rows")],
                       lambda v: [LinearRelation(rw.rows, terms).residual(v) % d], f"{suffix} remainder")
    q = low.tensor(suffix, rw.rows, "virtual")
    low.op(LinearOp(q, rw.rows, list(terms) + [(-d, rw.r(q)), (-1, rw.r(rem))], label=f"divide {q}"))
    range_check(low, f"{suffix}.rem.range", rw.rows, bits, [(1, rw.r(rem))])
    if d != 1 << bits:
        range_check(low, f"{suffix}.rem.gap", rw.rows, bits, [(-1, rw.r(rem))], d - 1)
    guard(low, q, rw.rows, q_bound, bits)  # pins q as for a split by 2^bits >= d
    return q, rem


class _Tables:
    """The node's tables read and checked against what the pins assume (both sides run this)."""

    def __init__(self, node, low):
        p = node.params
        self.pow2 = low.table_values("pow2")
        self.eps = low.table_values("eps")
        self.pf = low.table_values("pf")
        self.rsqrt = low.table_values("rsqrt")
        A, E2, K, e_min, e_max = (int(p[k]) for k in ("A", "E2", "K", "e_min", "e_max"))
        es = np.arange(e_min, e_max + 1, dtype=np.int64)
        v, lo = self.pow2
        keys = es + int(p.get("q_off", 0)) - lo
        if keys.min() < 0 or keys.max() >= v.shape[0] or not np.array_equal(
                np.asarray(v, np.int64)[keys], np.left_shift(np.int64(1), K + E2 - es)):
            _refuse(node, "its pow2 table does not give 2^(K+E2-e) on its exponents")
        v, lo = self.eps
        keys = es + int(p.get("eps_off", 0)) - lo
        if keys.min() < 0 or keys.max() >= v.shape[0] or int(np.min(v[keys])) < 0:
            _refuse(node, "its eps table does not cover its exponents")
        self.eps_rows = np.asarray(v, np.int64)[keys]
        v, lo = self.pf
        if lo != 0 or v.shape[0] < 8 or not np.array_equal(np.asarray(v[:8], np.int64), 1 << (7 - np.arange(8))):
            _refuse(node, "its pf table is not 2^(7-i) on [0, 8)")
        v, lo = self.rsqrt
        if lo != 0 or v.shape[0] < 1 << 16 or int(np.min(v[:1 << 16])) < 0:
            _refuse(node, "its rsqrt table does not cover [0, 2^16)")
        self.r_hi = int(np.max(v[H_MIN:1 << 16]))  # r of every row whose x2 is not all zero


@register
class NormProof(NodeProof):
    kind = "norm"

    def lower(self, node, low) -> None:
        p = node.params
        x = low.input(0)
        shape = low.shape_of(x)
        if len(shape) > len(_LETTERS):
            _refuse(node, f"too many axes in {shape}")
        rw = _Rows(low, shape)
        tables = _Tables(node, low)
        xb = low.input_bound()
        if p["layer"]:
            x, xb = self._center(node, rw, x, xb)
        e, Q, x1, limbs = self._exponent(node, rw, tables, x, xb)
        self._pin(node, rw, e, x1)
        fh, pf, r = self._rsqrt(node, rw, tables, e, x1)
        z = self._z(node, rw, tables, x1, limbs, fh, pf, r)
        m = low.array("m")
        if not isinstance(m, Dense):
            _refuse(node, "a committed multiplier is not supported (its bound is needed in clear)")
        m_bound = int(np.abs(np.asarray(m.values(), np.int64)).max())
        terms = mul_shift(low, "y", z, shape, m, m_bound, int(p["ko"]), int(p["so"]), int(node.inter["z"]))
        if "beta" in node.arrays:
            terms.append((1, low.array("beta")))
        _clamped_or_plain(low, terms, shape, int(node.inter.get("pre_clamp", node.bound)))

    # -- LayerNorm: x - floor(mean) ------------------------------------------------------------------

    def _center(self, node, rw: _Rows, x: str, xb: int) -> tuple[str, int]:
        low, d, sl = rw.low, rw.shape[-1], int(node.params["sl"])
        if sl:
            xh, limbs = split(low, "mean.xh", rw.shape, [(1, rw.x(x))], sl, False, (xb >> sl) + 1)
            xl = limbs[0] if len(limbs) == 1 else linear(low, "mean.xl", rw.shape, limb_terms(limbs, rw.shape))
        else:
            xh, xl = x, None
        if d * ((xb >> sl) + 1) > HALF or d << (sl + 1) > HALF:
            _refuse(node, f"the row sums of {d} entries leave the field (limb cut {sl})")
        sh = rw.row_sum("mean.sum_hi", rw.x(xh))
        qh, rh = _divide(node, rw, "mean.qh", [(1, rw.r(sh))], d, (xb >> sl) + 1)
        lo_terms = [(1 << sl, rw.r(rh))]
        if xl is not None:
            lo_terms.append((1, rw.r(rw.row_sum("mean.sum_lo", rw.x(xl)))))
        ql, _ = _divide(node, rw, "mean.ql", lo_terms, d, 2 << sl)
        xc = linear(low, "centered", rw.shape, [(1, rw.x(x)), (-(1 << sl), rw.rb(qh)), (-1, rw.rb(ql))])
        return xc, 2 * xb

    # -- the row exponent and the mantissa ----------------------------------------------------------

    def _exponent(self, node, rw: _Rows, tables: _Tables, x: str, xb: int):
        low, p = rw.low, node.params
        A, E2, K, e_min, e_max, sz = (int(p[k]) for k in ("A", "E2", "K", "e_min", "e_max", "sz"))
        if max(int(xb).bit_length() - A, e_min) > e_max:
            _refuse(node, f"inputs up to {xb} need exponents above e_max = {e_max}")
        (e,) = rw.advice([("exp", "rows")], lambda v: [intops.row_exponent(v[x], A, e_min)], "row exponent")
        be = max(1, (e_max - e_min).bit_length())
        range_check(low, "exp.above", rw.rows, be, [(1, rw.r(e))], -e_min)
        range_check(low, "exp.below", rw.rows, be, [(-1, rw.r(e))], e_max)
        qkey = linear(low, "exp.qkey", rw.rows, [(1, rw.r(e))], int(p.get("q_off", 0)))
        Q = low.tensor("pow2", rw.rows, "committed")
        low.op(TableOp(Q, qkey, *tables.pow2, label=f"2^(K+E2-e) {node.name}"))
        low.lookup(low.table("pow2"), [qkey, Q])

        # |x| < 2^(A+e) before any product with Q (module docstring)
        t = 1 if A + e_min < 0 else 0
        W = A + e_max + t + 1
        if W > MAX_COMPARE_BITS or A + K + E2 + 1 > 30:
            _refuse(node, f"exponent bounds need {W}-bit comparisons (at most {MAX_COMPARE_BITS})")
        self._bound(rw, x, rw.reciprocal("bound", Q, 1 << (A + K + E2 + t)), t, W)

        x2 = rw.product("xq", rw.x(x), rw.rb(Q))
        if K:
            x2, _ = split(low, "x2", rw.shape, [(1, rw.x(x2))], K, False, 1 << (A + E2),
                          known_width=1 << (A + E2 + 1))  # bounded by x1's check and the limbs below
        if not 0 <= sz < E2 or E2 - sz > MAX_BITS or sz > MAX_BITS:
            _refuse(node, f"limb cut sz = {sz} must lie in [0, E2 = {E2}) with limbs of at most 16 bits")
        spec = SplitSpec(E2, False, (sz, E2 - sz)) if sz else SplitSpec(E2)
        x1 = low.tensor("x1", rw.shape, "virtual")
        names = ["lo", "hi"] if sz else [f"rem{j}" for j in range(len(spec.limbs))]
        limbs = [low.tensor(f"x1.{n}", rw.shape, "committed") for n in names]
        low.op(SplitOp(x1, limbs, rw.shape, [(1, rw.x(x2))], spec, label=f"split {x1}"))
        for name, w in zip(limbs, spec.limbs):
            low.lookup(low.plan.range_table(w), [name])
        range_check(low, "x1.range", rw.shape, A + 1, [(1, rw.x(x1))], 1 << A)
        return e, Q, x1, (x2, limbs)

    def _bound(self, rw: _Rows, x: str, B: str, t: int, W: int) -> None:
        """-B <= 2^t x < B for B = 2^(A+e+t) (two W-bit range checks of every entry)."""
        range_check(rw.low, "bound.below", rw.shape, W, [(1 << t, rw.x(x)), (1, rw.rb(B))])
        range_check(rw.low, "bound.above", rw.shape, W, [(-(1 << t), rw.x(x)), (1, rw.rb(B))], -1)

    def _pin(self, node, rw: _Rows, e: str, x1: str) -> None:
        """One entry outside [-2^(A-1), 2^(A-1)) in every row above e_min (e cannot be lowered)."""
        low, p = rw.low, node.params
        A, e_min, e_max = int(p["A"]), int(p["e_min"]), int(p["e_max"])
        if 2 * A + 2 > MAX_COMPARE_BITS:
            _refuse(node, f"A = {A} is too wide for the pin check")

        def pin(v):
            ex, xv = np.asarray(v[e], np.int64), np.asarray(v[x1], np.int64)
            flag = (ex > e_min).astype(np.int64)
            onehot = np.zeros_like(xv)
            idx = np.argmax(np.abs(2 * xv + 1), axis=-1)
            np.put_along_axis(onehot, idx[..., None], flag[..., None], axis=-1)
            return [flag, onehot]

        flag, S = rw.advice([("pin.flag", "rows"), ("pin.onehot", "entries")], pin, "exponent pin")
        low.lookup(low.plan.range_table(1), [flag])
        low.lookup(low.plan.range_table(1), [S])
        cnt = rw.row_sum("pin.count", rw.x(S))
        low.op(ConstraintOp(LinearRelation(rw.rows, [(1, rw.r(cnt)), (-1, rw.r(flag))], name=low.name("pin.count")),
                            label=f"norm pin count {node.name}"))
        be = max(1, (e_max - e_min).bit_length())
        range_check(low, "pin.exp", rw.rows, be, [(e_max - e_min, rw.r(flag)), (-1, rw.r(e))], e_min)
        v = rw.row_sum("pin.value", rw.x(S), rw.x(x1))
        v2 = rw.product("pin.square", rw.r(v), rw.r(v))
        range_check(low, "pin.outside", rw.rows, 2 * A + 2,
                    [(4, rw.r(v2)), (4, rw.r(v)), (-(1 << (2 * A)), rw.r(flag))], 1)

    # -- sum of squares, its exponent f and rsqrt[h] ------------------------------------------------

    def _rsqrt(self, node, rw: _Rows, tables: _Tables, e: str, x1: str):
        low, p = rw.low, node.params
        A, e_min, e_max, d = int(p["A"]), int(p["e_min"]), int(p["e_max"]), rw.shape[-1]
        ss_max = d * (1 << (2 * A)) + int(tables.eps_rows.max())
        if ss_max >= 1 << 30:
            _refuse(node, f"its sums of squares reach {ss_max} (more than 30 bits)")
        floors = ([1 << (2 * A - 2)] if e_max > e_min else []) + ([int(tables.eps_rows[0])] if A + e_min >= 0 else [])
        if floors and min(floors) < H_MIN:
            _refuse(node, f"rows that are not all zeros may have ss = {min(floors)} < 2^14")
        sq = rw.row_sum("ss.squares", rw.x(x1), rw.x(x1))
        ekey = linear(low, "eps.key", rw.rows, [(1, rw.r(e))], int(p.get("eps_off", 0)))
        eps = low.tensor("eps", rw.rows, "committed")
        low.op(TableOp(eps, ekey, *tables.eps, label=f"eps {node.name}"))
        low.lookup(low.table("eps"), [ekey, eps])
        ss = linear(low, "ss", rw.rows, [(1, rw.r(sq)), (1, rw.r(eps))])

        def exps(v):
            s = np.asarray(v[ss], np.int64)
            f = intops.even_exponent16(s)
            return [f >> 1, s >> f]

        fh, h = rw.advice([("ss.fh", "rows"), ("ss.h", "rows")], exps, "sum of squares exponent")
        pf = low.tensor("pf", rw.rows, "committed")
        low.op(TableOp(pf, fh, *tables.pf, label=f"2^(7-f/2) {node.name}"))
        low.lookup(low.table("pf"), [fh, pf])
        pf2 = rw.product("pf.square", rw.r(pf), rw.r(pf))
        F = rw.reciprocal("ss.F", pf2, 1 << 14)
        hF = rw.product("ss.hF", rw.r(h), rw.r(F))
        rs = linear(low, "ss.rem", rw.rows, [(1, rw.r(ss)), (-1, rw.r(hF))])
        range_check(low, "ss.rem.range", rw.rows, 14, [(1, rw.r(rs))])
        rs_scaled = rw.product("ss.rem_scaled", rw.r(rs), rw.r(pf2))
        range_check(low, "ss.rem.below", rw.rows, 14, [(1, rw.r(rs_scaled))])
        low.lookup(low.plan.range_table(16), [h])
        hm = linear(low, "ss.h_low", rw.rows, [(1, rw.r(h))], -H_MIN)
        pm = linear(low, "ss.f_pos", rw.rows, [(-1, rw.r(pf))], 1 << 7)
        range_check(low, "ss.h_min", rw.rows, 23, [(1, rw.r(rw.product("ss.h_min_prod", rw.r(hm), rw.r(pm))))])
        r = low.tensor("rsqrt", rw.rows, "committed")
        low.op(TableOp(r, h, *tables.rsqrt, label=f"rsqrt {node.name}"))
        low.lookup(low.table("rsqrt"), [h, r])
        return fh, pf, r

    # -- z = mul_shift(x2, r, kz + f/2, sz) ---------------------------------------------------------

    def _z(self, node, rw: _Rows, tables: _Tables, x1: str, limbs, fh: str, pf: str, r: str) -> str:
        low, p = rw.low, node.params
        A, E2, sz, kz = int(p["A"]), int(p["E2"]), int(p["sz"]), int(p["kz"])
        x2, parts = limbs
        c = kz - sz
        if c < 0 or c + 7 > MAX_BITS:
            _refuse(node, f"kz = {kz}, sz = {sz}: the row shift kz - sz + f/2 must lie in [0, 9 + 7]")
        r_hi = tables.r_hi
        if sz:
            xl2, xr = parts
            wb = r_hi.bit_length()
            w, _ = split(low, "w", rw.shape, [(1, rw.x(rw.product("w.prod", rw.x(xl2), rw.rb(r))))], sz, True,
                         r_hi, known_width=(1 << wb) - 1)
            if (1 << wb) << sz >= P or wb > MAX_COMPARE_BITS:
                _refuse(node, f"rsqrt values up to {r_hi} are too wide for the limb cut {sz}")
            range_check(low, "w.range", rw.shape, wb, [(1, rw.x(w))])
            x2h = linear(low, "x2h", rw.shape, [(1 << (E2 - sz), rw.x(x1)), (1, rw.x(xr))])
            t = linear(low, "t", rw.shape, [(1, rw.x(rw.product("t.prod", rw.x(x2h), rw.rb(r)))), (1, rw.x(w))])
        else:
            t = rw.product("t", rw.x(x2), rw.rb(r))
        t_max = (1 << (A + E2 - sz)) * r_hi + r_hi
        # t = th 2^m + tl, z = th pf 2^(m-c-7) + round(tl pf / 2^(c+7))
        m = max(c + 7, min(MAX_BITS, 15 + c))
        zl_bits = ((((1 << m) - 1) << 7) + (1 << (c + 6)) >> (c + 7)).bit_length()
        th_bound = (t_max >> m) + 1
        if t_max > HALF or th_bound << 7 > HALF or zl_bits > MAX_COMPARE_BITS:
            _refuse(node, f"the row products reach {t_max} (more than (p-1)/2)")
        th, tl = split(low, "t.hi", rw.shape, [(1, rw.x(t))], m, False, th_bound)
        tl = tl[0] if len(tl) == 1 else linear(low, "t.lo", rw.shape, limb_terms(tl, rw.shape))
        zl, _ = split(low, "z.lo", rw.shape, [(1, rw.x(rw.product("z.lo.prod", rw.x(tl), rw.rb(pf))))], c + 7, True,
                      1 << zl_bits, known_width=(1 << zl_bits) - 1)
        range_check(low, "z.lo.range", rw.shape, zl_bits, [(1, rw.x(zl))])
        thp = rw.product("z.hi", rw.x(th), rw.rb(pf))
        return linear(low, "z", rw.shape, [(1 << (m - c - 7), rw.x(thp)), (1, rw.x(zl))])
