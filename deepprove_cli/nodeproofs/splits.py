"""Lowering helpers shared by node kinds: range checks, splits with their guards, soft clamps, mul_shift.

Why every split's hi needs a bound (the guard). A split x + offset = hi 2^k + lo with lo range-checked
leaves hi = (x + offset - lo) / 2^k as a FIELD element: another lo' in [0, 2^k) gives
hi' = hi + (lo - lo') / 2^k, a fraction, and fractions of several entries can cancel further on
(two halves of opposite signs multiplied by one weight), shifting a later integer. The split pins hi
once hi is known to lie in an interval of width W with (W + 1) 2^k < p: then
(hi' - hi) 2^k = lo - lo' over the integers (both sides are below p in size), so lo' = lo and hi' = hi.
The interval comes from a lookup table the hi is looked up in (its domain), or from range checks on
hi + B (one-sided: W = 2^bits - 1) or on hi + B and B - hi (two-sided: W = 2B), B a true bound on |hi|.
`guard` picks the cheapest that works and refuses a split that none can pin.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.model import intops
from deepprove_cli.nodeproofs.ops import ConstraintOp, EinsumOp, LinearOp, SplitOp, TableOp
from deepprove_cli.relations.elementwise import mul
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.public import Dense
from deepprove_cli.relations.ranges import MAX_RANGE_BITS, RangeCheck
from deepprove_cli.relations.split import SplitSpec


def range_check(low, suffix: str, shape, bits: int, terms, const: int = 0) -> RangeCheck:
    """0 <= sum_k c_k bcast(T_k) + const [real] < 2^bits on every entry (relations.ranges.RangeCheck), with
    its limb identity (when wider than 16 bits) proven here at a fresh challenge."""
    rc = RangeCheck(low.name(suffix), shape, bits, terms, const)
    declare_range(low, rc, identity=True)
    return rc


def declare_range(low, rc: RangeCheck, identity: bool) -> None:
    """The columns of a RangeCheck named inside this node: a direct column (the tensor itself, declared by
    the caller), a DERIVED column (a virtual tensor defined here by the check's linear relation) or
    committed 16-bit limbs. `identity`: prove the limbs' identity here (False when the relation owning the
    check proves it, as DivRem and RowMax do inside their own proofs; the caller then computes the limbs
    in that relation's witness)."""
    if rc.direct:
        low.lookup(low.plan.range_table(rc.bits), [rc.terms[0][1].name])
        return
    suffix = low.suffix_of(rc.name)
    if rc.column_relation is not None:
        col = low.tensor(suffix, rc.shape, "virtual")
        low.op(LinearOp(col, rc.shape, rc.column_relation.terms, rc.const, label=f"range column {col}"))
        low.lookup(low.plan.range_table(rc.bits), [col])
        return
    limbs = [low.tensor(low.suffix_of(limb.name), rc.shape, "committed") for limb in rc.limbs]
    if identity:
        low.op(ConstraintOp(rc.identity, limbs, rc.witness, label=f"range limbs {rc.name}"))
    for name, w in zip(limbs, rc.widths):
        low.lookup(low.plan.range_table(w), [name])


def guard(low, hi: str, shape, bound: int, k: int, known_width: int | None = None) -> None:
    """Bound hi (the quotient of a split by 2^k, |hi| <= bound honestly) so that the split pins it;
    `known_width`: the width of an interval hi is already known to lie in (a table's domain)."""
    if k == 0 or (known_width is not None and (known_width + 1) << k < P):
        return
    bound = int(bound)
    bits = max(1, (2 * bound).bit_length())
    op = Operand(hi, shape)
    suffix = low.suffix_of(hi)
    if bits <= MAX_RANGE_BITS and (1 << bits) << k < P:
        range_check(low, f"{suffix}.bound", shape, bits, [(1, op)], bound)
    elif bits <= MAX_RANGE_BITS and (2 * bound + 1) << k < P:
        range_check(low, f"{suffix}.above", shape, bits, [(1, op)], bound)
        range_check(low, f"{suffix}.below", shape, bits, [(-1, op)], bound)
    else:
        raise InputError(f"node {low.node.name}: the split of {hi} by 2^{k} cannot be pinned (|{hi}| <= {bound}: "
                         f"(2 bound + 1) 2^k must stay below p)")


def split(low, suffix: str, shape, x_terms, k: int, rounding: bool, bound: int,
          known_width: int | None = None) -> tuple[str, list[str]]:
    """hi = floor((x + offset) / 2^k) with x = sum_i c_i X_i, the remainder committed as 16-bit limbs (range
    checked) and hi guarded; returns (hi, limb names)."""
    spec = SplitSpec(k, rounding)
    hi = low.tensor(suffix, shape, "virtual")
    names = ["rem"] if len(spec.limbs) == 1 else [f"rem{j}" for j in range(len(spec.limbs))]
    limbs = [low.tensor(f"{suffix}.{n}", shape, "committed") for n in names]
    low.op(SplitOp(hi, limbs, shape, x_terms, spec, label=f"split {hi}"))
    for name, w in zip(limbs, spec.limbs):
        low.lookup(low.plan.range_table(w), [name])
    guard(low, hi, shape, bound, k, known_width)
    return hi, limbs


def limb_terms(limbs: list[str], shape) -> list:
    """The remainder sum_j 2^(16 j) limb_j as linear terms."""
    return [(1 << (16 * j), Operand(n, shape)) for j, n in enumerate(limbs)]


def linear(low, suffix: str | None, shape, terms, const: int = 0, kind: str = "virtual") -> str:
    """A virtual tensor (suffix None: the node's output) = sum_k c_k bcast(T_k) + const [real]."""
    name = low.out(kind) if suffix is None else low.tensor(suffix, shape, kind)
    merged: dict = {}
    for c, t in terms:  # one term per witness tensor (LinearRelation refuses repeats)
        key = t.name if isinstance(t, Operand) else id(t)
        c0, _ = merged.get(key, (0, t))
        merged[key] = (c0 + int(c), t)
    low.op(LinearOp(name, shape, [(-1, Operand(name, shape))] + [(c, t) for c, t in merged.values() if c],
                    const, label=f"linear {name}"))
    return name


def soft_clamp(low, x: str, shape, x_bound: int, suffix: str | None = None) -> str:
    """clamp_table[floor(x / 2^j)] 2^j + (x mod 2^j) (graph.elementwise.apply_clamp) as the node's output
    (or as its tensor `suffix`): the table output committed, the high part a split of x guarded by the
    table's domain."""
    j = int(low.node.params["clamp_j"])
    table = low.table("clamp")
    values, lo = low.table_values("clamp")
    if j == 0:
        out = low.out("committed") if suffix is None else low.tensor(suffix, shape, "committed")
        low.op(TableOp(out, x, values, lo, label=f"clamp {out}"))
        low.lookup(table, [x, out])
        return out
    chi, limbs = split(low, "clamp_hi", shape, [(1, Operand(x, shape))], j, False, (int(x_bound) >> j) + 1,
                       known_width=values.shape[0] - 1)
    c = low.tensor("clamp_out", shape, "committed")
    low.op(TableOp(c, chi, values, lo, label=f"clamp {c}"))
    low.lookup(table, [chi, c])
    return linear(low, suffix, shape, [(1 << j, Operand(c, shape))] + limb_terms(limbs, shape))


def scaled(low, suffix: str, x: str, shape, m) -> list:
    """Linear terms for x * m: [(m, x)] for an integer, else the product with a per-channel tensor
    (public or committed) as a virtual tensor defined by an elementwise Einsum."""
    if isinstance(m, (int, np.integer)):
        return [(int(m), Operand(x, shape))]
    u = low.tensor(suffix, shape, "virtual")
    low.op(EinsumOp(mul(u, Operand(x, shape), m), label=f"scale {u}"))
    return [(1, Operand(u, shape))]


def mul_shift(low, tag: str, x: str, shape, m, m_bound: int, k: int, s: int, x_bound: int,
              known_width: int | None = None) -> tuple[str, list]:
    """round(x m / 2^k) in limbs of x at bit s (intops.mul_shift): returns linear terms for the result.

    s = 0: one rounding split of x m + 2^(k-1) by k (none for k = 0). s > 0: x = xh 2^s + xl (xl committed),
    w = round(xl m / 2^s), then the rounding split of xh m + w by k - s: each quotient guarded (xh, w and
    the result), since x m itself may not fit the field (module docstring)."""
    out_bound = intops.mul_shift_bound(int(x_bound), int(m_bound), k, s)[1]
    if s == 0:
        terms = scaled(low, f"{tag}.xm", x, shape, m)
        if k == 0:
            return terms
        y, _ = split(low, f"{tag}.y", shape, terms, k, True, out_bound, known_width)
        return [(1, Operand(y, shape))]
    if s > 16 or k < s:
        raise InputError(f"node {low.node.name}: mul_shift limb cut {s} (k = {k}) is not supported")
    xh, (xl,) = split(low, f"{tag}.xh", shape, [(1, Operand(x, shape))], s, False, (int(x_bound) >> s) + 1)
    w, _ = split(low, f"{tag}.w", shape, scaled(low, f"{tag}.xlm", xl, shape, m), s, True, int(m_bound))
    terms = scaled(low, f"{tag}.xhm", xh, shape, m) + [(1, Operand(w, shape))]
    if k == s:
        return terms
    y, _ = split(low, f"{tag}.y", shape, terms, k - s, True, out_bound, known_width)
    return [(1, Operand(y, shape))]


def scaled_multiplier(m, factor: int):
    """A multiplier (int, Dense or weight Operand) times an integer factor."""
    if factor == 1:
        return m
    if isinstance(m, (int, np.integer)):
        return int(m) * factor
    if isinstance(m, Dense):
        return Dense(np.asarray(m.values(), np.int64) * factor)
    raise InputError("a committed multiplier cannot be rescaled (limb form with L > k)")
