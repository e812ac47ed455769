"""Relations under attack with witnesses that are right in the field but wrong as integers (fractions
such as 1/2, values p - k), pushed through the relation's verifier AND through the real lookup
argument for its range columns, the way the whole proof would check them:

- rowmax: a max above every entry, "attained" by a fractional selector (-1/2, 3/2) that sums to 1 and
  zeroes sum s d; the max of a row taken as a smaller entry (a negative difference);
- argmax: a token that is a later tie or not a maximum;
- split: a remainder of 2^k (a limb one past its width); a wrong remainder whose hi is the field
  fraction (x + offset - lo) / 2^k: the relation accepts it (its docstring says callers must bound
  hi), and any range check on hi rejects it;
- divrem: an integer quotient off by one (the remainder or the gap leaves its range); the review's repro
  of a fractional quotient (q + 1/2 with every remainder shifted down by b / 2) that turns the attention
  output o = p.V into o + v: only the quotient's own range columns reject it;
- range widths: a 31-bit range holds every field element (refused; 29 bits rejects p - 2); a comparison
  (rowmax difference, argmax margin, divrem remainder + gap) at 30 bits lets a negative value wrap into
  its range (refused; 29 bits rejects it);
- padding: advice committed with junk on padded rows (a divrem quotient, a rowmax max and its
  differences), which the zero-checks must reject (nothing else looks at padding);
- every relation: the claims it leaves name its own tensors, at points of their own layouts.
"""

import numpy as np
import pytest

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.field.reference import P
from deepprove_cli.lookup.layout import Lookup
from deepprove_cli.lookup.tables import range_table
from deepprove_cli.relations.argmax import Argmax, argmax_int
from deepprove_cli.relations.divrem import DivRem
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.layout import Operand, TensorLayout, indicator_table
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.relations.public import BandMask
from deepprove_cli.relations.rowmax import RowMax
from deepprove_cli.relations.split import Split, SplitSpec
from deepprove_cli.transcript import Transcript
from tests.adversarial.helpers import accepts, check_tensor_claims, lookup_accepts, rand_point, tensor_eval

INV2 = (P + 1) // 2


def _field(x) -> np.ndarray:
    return (np.asarray(x, dtype=np.int64) % P).astype(np.uint32)


def _range_lookups_accept(columns, values) -> bool:
    """Run the lookup argument on the range columns (each column its tensor's padded table, one range
    table per width), with multiplicities that count every entry lying in its table (entries outside
    are left out: the most a cheating prover can do). True iff the argument verifies."""
    widths = sorted({c.bits for c in columns})
    tables = [range_table(b) for b in widths]
    lookups, mult = [], [np.zeros(1 << b, dtype=np.uint32) for b in widths]
    for c in columns:
        t = widths.index(c.bits)
        col = c.table(values[c.tensor])
        lookups.append(Lookup(t, (col,)))
        inside = col[col < (1 << c.bits)]
        np.add.at(mult[t], inside.astype(np.int64), np.uint32(1))
    return lookup_accepts(tables, lookups, mult)


def _relation_accepts(prove, verify, values) -> bool:
    """The relation proven on `values` verifies and leaves only claims that hold on them."""
    proof = prove(Transcript(b"adv-rel"))
    return accepts(lambda: check_tensor_claims(verify(proof, Transcript(b"adv-rel")), values))


def _claim(rng, name, values):
    from deepprove_cli.relations.claims import TensorClaim

    pt = rand_point(rng, TensorLayout(np.shape(values)).num_vars)
    return TensorClaim(name, pt, tensor_eval(values, pt))


# -- rowmax ------------------------------------------------------------------------------------------


def _rowmax(x, mask=None, bits=8):
    rel = RowMax(Operand("x", np.shape(x)), "m", bits, mask)
    return rel, {"x": np.asarray(x), **rel.witness(x)}


def _rowmax_accepts(rel, values):
    return _relation_accepts(lambda t: rel.prove(values, t)[0], rel.verify, values)


def test_rowmax_honest_passes_both_checks():
    rel, values = _rowmax([[3, 5, -2], [7, 7, 1]])
    assert _rowmax_accepts(rel, values) and _range_lookups_accept(rel.range_columns(), values)


def test_rowmax_max_above_every_entry_with_a_fractional_selector():
    """m = 6 for the row [3, 5]: d = (3, 1) is in range; s = (-1/2, 3/2) sums to 1 and has
    sum s d = 0. Only "s is 0/1" (s (mask - s) = 0) stands in the way."""
    rel, values = _rowmax([[3, 5]])
    bad = dict(values, m=np.array([6]), **{"m.diff": np.array([[3, 1]]),
                                           "m.onehot": np.array([[P - INV2, 3 * INV2 % P]], dtype=np.uint32)})
    assert _range_lookups_accept(rel.range_columns(), bad)
    assert not _rowmax_accepts(rel, bad)


def test_rowmax_smaller_entry_taken_as_the_max():
    rel, values = _rowmax([[3, 5, 1], [2, 0, 4]], BandMask(2, 3, shift=1))
    bad = dict(values, m=np.array([3, 4]), **{"m.onehot": np.array([[1, 0, 0], [0, 0, 1]]),
                                              "m.diff": _field([[0, -2, 0], [2, 4, 0]])})
    bad["m.diff"][0, 2] = 0  # masked entry (window: s <= t + 1)
    assert _rowmax_accepts(rel, bad)  # the algebra holds; the difference -2 is what is wrong
    assert not _range_lookups_accept(rel.range_columns(), bad)


def test_rowmax_31_bit_differences_would_hold_every_field_element():
    """max([3, 5]) = 3 needs the difference 3 - 5 = p - 2 in range: 16 + 15-bit limbs cover [0, 2^31),
    which holds it, so 31 bits is refused; at 29 bits (16 + 13) the top limb of p - 2 leaves its range."""
    with pytest.raises(InputError):
        RowMax(Operand("x", (1, 2)), "m", 31)
    rel, values = _rowmax([[3, 5]], bits=29)
    d = P - 2
    bad = dict(values, m=np.array([3]), **{"m.onehot": np.array([[1, 0]]), "m.diff": _field([[0, -2]]),
                                           "m.diff.lo0": np.array([[0, d & 0xFFFF]]),
                                           "m.diff.lo1": np.array([[0, d >> 16]])})
    assert _rowmax_accepts(rel, bad)  # the algebra and the limb identity hold
    assert not _range_lookups_accept(rel.range_columns(), bad)


def test_comparisons_stop_at_29_bits():
    """At 30 bits the row [-(2^29 - 2^25), 2^29 - 2^25] has an honest proof (spread 2^30 - 2^26) and a
    false one: its smaller entry as the max leaves d = p - (2^30 - 2^26) < 2^30 on the larger. Refused;
    at 29 bits, on the widest row it can prove ([-(2^28 - 1), 2^28 - 1]), that d is out of range."""
    for make in (lambda: RowMax(Operand("x", (1, 2)), "m", 30), lambda: Argmax(Operand("L", (1, 2)), [0], 30)):
        with pytest.raises(InputError):
            make()
    assert P - ((1 << 30) - (1 << 26)) < 1 << 30
    v = (1 << 28) - 1
    rel, values = _rowmax([[-v, v]], bits=29)
    d = P - 2 * v
    bad = dict(values, m=np.array([-v]), **{"m.onehot": np.array([[1, 0]]), "m.diff": _field([[0, -2 * v]]),
                                            "m.diff.lo0": np.array([[0, d & 0xFFFF]]),
                                            "m.diff.lo1": np.array([[0, d >> 16]])})
    assert _rowmax_accepts(rel, bad)
    assert not _range_lookups_accept(rel.range_columns(), bad)


# -- argmax ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tokens", [[2, 0], [1, 3], [0, 0]], ids=["later-tie", "not-a-max", "smaller"])
def test_argmax_wrong_token_fails_the_margin_lookup(tokens):
    rng = np.random.default_rng(3)
    L = np.array([[1, 5, 5, 2], [9, 3, 0, 9]])
    honest = argmax_int(L)
    for toks, ok in ((honest, True), (np.array(tokens), False)):
        rel = Argmax(Operand("L", (2, 4)), toks, 8)
        values = {"L": L, "L.sel": L[np.arange(2), toks]}
        values[rel.margin.name] = rel.margin.value(values)
        mc = _claim(rng, rel.margin.name, values[rel.margin.name])
        assert _relation_accepts(lambda t: rel.prove(values, t, mc)[0], lambda p, t: rel.verify(p, t, mc), values)
        assert _range_lookups_accept(rel.range_columns(), values) == ok


# -- split -------------------------------------------------------------------------------------------


def _split_case(spec):
    x = np.array([[37, -21, 1000], [5, -1, 0]])
    rel = Split(Operand("x", (2, 3)), "h", spec)
    return rel, {"x": x, **rel.witness(x)}


def _split_accepts(rel, values, on="h"):
    c = _claim(np.random.default_rng(4), on, values[on])
    return _relation_accepts(lambda t: rel.prove(c, values, t)[0], lambda p, t: rel.verify(c, p, t), values)


def test_split_remainder_one_past_its_width():
    rel, values = _split_case(SplitSpec(4, rounding=True))
    assert _split_accepts(rel, values) and _range_lookups_accept(rel.range_columns(), values)
    bad = {k: v.copy() for k, v in values.items()}
    bad["h"][0, 0] -= 1
    bad["h.lo0"][0, 0] += 16  # x + 8 = (h - 1) 16 + (lo + 16)
    assert _split_accepts(rel, bad)
    assert not _range_lookups_accept(rel.range_columns(), bad)


def test_split_fractional_hi_needs_the_callers_bound():
    """lo + 1 with hi = (x + offset - lo - 1) / 2^k in the field: limbs in range, relation accepts
    (documented in relations/split.py); hi is then no small integer, so any range check on it fails."""
    spec = SplitSpec(4, rounding=True)
    rel, values = _split_case(spec)
    bad = {k: v.copy() for k, v in values.items()}
    lo = int(bad["h.lo0"][1, 1])
    lo2 = lo + 1 if lo < 15 else lo - 1
    bad["h.lo0"][1, 1] = lo2
    hi = _field(values["h"])
    hi[1, 1] = (int(values["x"][1, 1]) + spec.offset - lo2) % P * pow(16, P - 2, P) % P
    bad["h"] = hi
    assert _split_accepts(rel, bad) and _range_lookups_accept(rel.range_columns(), bad)
    signed = (int(hi[1, 1]) + P // 2) % P - P // 2
    assert abs(signed) > 1 << 26  # outside every range a caller could put on hi


# -- divrem ------------------------------------------------------------------------------------------


def _cheat_columns(rel, values) -> dict:
    """What a cheating prover commits for its (field) values beside q and r: each derived column as field
    elements, and limbs of each limbed value mod p, the top limb taking every bit left (so the limb
    identity holds and only a range check can catch it)."""
    out = {}
    for rc in rel.ranges:
        if rc.identity is not None:
            out.update({l.name: _field(x) for l, x in zip(rc.limbs, _limbs_mod_p(rc.value(values), rc.widths))})
        elif rc.column_relation is not None:
            out[rc.name] = _field(rc.value(values))
    return out


@pytest.mark.parametrize("bits", [9, 20])
@pytest.mark.parametrize("shift", [1, -1])
def test_divrem_integer_quotient_off_by_one(bits, shift):
    a, b = np.array([[100, -7, 13], [0, 5, -64]]), np.array([9, 4])
    rel = DivRem(Operand("a", (2, 3)), Operand("b", (2,)), "q", "r", bits)
    values = {"a": a, "b": b, **rel.witness(a, b)}
    assert _relation_accepts(lambda t: rel.prove(values, t)[0], rel.verify, values)
    assert _range_lookups_accept(rel.range_columns(), values)
    bad = {"a": a, "b": b, "q": values["q"].copy(), "r": values["r"].copy()}
    bad["q"][0, 1] += shift
    bad["r"][0, 1] -= shift * b[0]
    bad.update(_cheat_columns(rel, bad))
    assert _relation_accepts(lambda t: rel.prove(bad, t)[0], rel.verify, bad)
    assert not _range_lookups_accept(rel.range_columns(), bad)


@pytest.mark.parametrize("qbits", [None, 8], ids=["widest-limbs", "derived"])
def test_divrem_fractional_quotient_moves_the_attention_output(qbits):
    """Softmax p = DivRem(2 e 2^Fp + S, 2 S).q; both remainders shifted down by S make the quotients
    p + 1/2 in the field: the zero-check, r and the gap pass, and o = p.V (an Einsum: it bounds nothing)
    then proves the false output o + v. The quotient's range columns must reject it."""
    e, S, Fp = np.array([[3, 5]]), 8, 4
    a, b = 2 * e * (1 << Fp) + S, np.array([2 * S])
    q, r = a // b[:, None], a % b[:, None]  # r = [8, 8]
    p_half = (_field(q) + INV2) % P  # q + 1/2
    args = (Operand("a", (1, 2)), Operand("b", (1,)), "p", "r", 9)
    rel = DivRem(*args) if qbits is None else DivRem(*args, qbits)
    bad = {"a": a, "b": b, "p": p_half, "r": r - S}
    bad.update(_cheat_columns(rel, bad))
    assert _relation_accepts(lambda t: rel.prove(bad, t)[0], rel.verify, bad)
    quotient = [c for c in rel.range_columns() if c.tensor.startswith("p.biased")]
    assert quotient and _range_lookups_accept([c for c in rel.range_columns() if c not in quotient], bad)
    assert not _range_lookups_accept(quotient, bad)
    assert not _range_lookups_accept(rel.range_columns(), bad)

    V = np.array([[7, -3, 2], [7, -3, 2]])
    ein = Einsum("ts,sd->td", Operand("p", (1, 2)), Operand("V", (2, 3)), "o")
    vals = {"p": p_half, "V": V}
    false_o = _claim(np.random.default_rng(0), "o", q @ V + V[0])
    assert _relation_accepts(lambda t: ein.prove(false_o, vals, t)[0], lambda pr, t: ein.verify(false_o, pr, t), vals)


def test_divrem_remainder_plus_gap_cannot_wrap():
    """b = 2, r = 2^30 - 1, gap = 1 - r (mod p) = 2^30 - 2^27 + 2: both in [0, 2^30) and r + gap = b - 1
    in the field, with r >= b. 30 bits is refused; at 28 the same gap leaves its range."""
    with pytest.raises(InputError):
        DivRem(Operand("a", (1, 1)), Operand("b", (1,)), "q", "r", 30)
    a, b, bits = np.array([[5]]), np.array([2]), 28
    rel = DivRem(Operand("a", (1, 1)), Operand("b", (1,)), "q", "r", bits)
    r = (1 << bits) - 1
    q = (5 - r) % P * pow(2, P - 2, P) % P  # a = q b + r in the field
    bad = {"a": a, "b": b, "q": np.array([[q]], dtype=np.uint32), "r": np.array([[r]])}
    bad.update(_cheat_columns(rel, bad))
    assert _relation_accepts(lambda t: rel.prove(bad, t)[0], rel.verify, bad)
    assert _range_lookups_accept([c for c in rel.range_columns() if c.tensor.startswith("r.lo")], bad)
    assert not _range_lookups_accept([c for c in rel.range_columns() if c.tensor.startswith("r.gap")], bad)


def _limbs_mod_p(v, widths):
    """The limbs of v mod p (v may be negative or a field element): the top limb takes every bit left."""
    w = np.asarray(v, dtype=np.int64) % P
    out, off = [], 0
    for j, width in enumerate(widths):
        out.append(w >> off if j == len(widths) - 1 else (w >> off) & ((1 << width) - 1))
        off += width
    return out


# -- padding ----------------------------------------------------------------------------------------


class _JunkRows(TensorLayout):
    """A layout whose table holds `junk` in the padded ROWS (leading dimensions): what a cheating prover
    can commit, since the commitment is to the whole padded table."""

    def __init__(self, shape, row_dims: int, junk: int):
        super().__init__(shape)
        self.row_dims, self.junk = row_dims, junk

    def table(self, values, what="tensor"):
        t = super().table(values, what).reshape(self.padded_shape)
        real_rows = indicator_table(self.shape[:self.row_dims]).reshape(self.padded_shape[:self.row_dims]).astype(bool)
        t[~real_rows] = self.junk
        return t.reshape(-1)


def _with_junk_rows(rel, names, row_dims: int, junk: int):
    """The relation's operands `names` (attributes) committed with junk in their padded rows."""
    for attr in names:
        op = getattr(rel, attr)
        op.layout = _JunkRows(op.shape, row_dims, junk)
    return rel


def _accepts_junk(prover, verifier, values) -> bool:
    """The cheating prover's proof verifies and its leaf claims hold on the tables it committed."""
    proof = prover.prove(values, Transcript(b"adv-pad"))[0]

    def check():
        for c in verifier.verify(proof, Transcript(b"adv-pad")):
            op = next((o for o in vars(prover).values() if isinstance(o, Operand) and o.name == c.tensor), None)
            table = (op.layout if op is not None else TensorLayout(np.shape(values[c.tensor]))).table(values[c.tensor])
            if not np.array_equal(evaluate(table, c.point), c.value):
                raise ProofInvalid(f"claim on {c.tensor} does not hold")
    return accepts(check)


def test_divrem_quotient_junk_in_padded_rows():
    """3 rows padded to 4: in the padded row a = b~ = r = 0, so a - q b~ - r = 0 for any q there (and
    q = 5 is in range). The pad term of the zero-check must reject it."""
    a, b = np.array([[100, -7, 13], [0, 5, -64], [3, 3, 3]]), np.array([9, 4, 2])

    def make():
        return DivRem(Operand("a", (3, 3)), Operand("b", (3,)), "q", "r", 9, 8)

    values = {"a": a, "b": b, **make().witness(a, b)}
    assert _accepts_junk(make(), make(), values)
    assert not _accepts_junk(_with_junk_rows(make(), ["q"], 1, 5), make(), values)


def test_rowmax_max_junk_in_padded_rows():
    """3 rows padded to 4: m = 5 in the padded row with d = mask (m - x) = 5 there (the mask is broadcast
    over rows, x is zero) satisfies every other constraint; the pad term must reject it."""
    x = np.array([[3, 5, -2, 0], [7, 7, 1, 2], [0, 0, 0, 1]])

    def make():
        return RowMax(Operand("x", (3, 4)), "m", 8)

    values = {"x": x, **make().witness(x)}
    assert _accepts_junk(make(), make(), values)
    cheat = _with_junk_rows(make(), ["m", "d"], 1, 5)
    assert not _accepts_junk(cheat, make(), values)
    assert int(cheat.d.layout.table(values["m.diff"]).max()) < 1 << 8  # d = 5 on padding: in range


# -- claims name the relation's own tensors ----------------------------------------------------------


def test_claims_name_the_relations_tensors_at_their_own_layouts():
    rng = np.random.default_rng(5)
    rel, values = _rowmax([[3, 5, -2], [7, 7, 1], [0, 0, 0]], None, 20)
    claims = rel.verify(rel.prove(values, Transcript(b"n"))[0], Transcript(b"n"))
    assert {c.tensor for c in claims} == {"x", "m", "m.onehot", "m.diff", "m.diff.lo0", "m.diff.lo1"}
    for c in claims:
        assert c.point.shape == (TensorLayout(np.shape(values[c.tensor])).num_vars, 4)
    sp, sv = _split_case(SplitSpec(3))
    with pytest.raises(InputError):  # a claim on a tensor the relation does not hold
        sp.verify(_claim(rng, "x.other", sv["x"]), sp.prove(_claim(rng, "h", sv["h"]), sv, Transcript(b"n"))[0],
                  Transcript(b"n"))
    assert not _split_accepts(sp, dict(sv, h=sv["h"] + 1))
