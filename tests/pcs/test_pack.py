"""Many small polynomials packed into shared columns (pack.py): the layout, the claim translation,
the slot-restricted point reduction (its kernel against the reference, its messages against the
whole-column prover), completeness over random mixes and tampering."""

import copy
import dataclasses

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import P
from deepprove_cli.pcs.basefold import reference as R
from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.commitment import Commitment
from deepprove_cli.pcs.basefold.pack import PACK_MIN, Packing
from deepprove_cli.poly.multilinear import evaluate

from .helpers import SMALL, one, point, prove, rand, tables, tup, verify

PACK = dataclasses.replace(SMALL, max_vars=6)


def _bump(a):
    b = np.array(a, copy=True)
    b.reshape(-1)[0] = (int(b.reshape(-1)[0]) + 1) % P
    return b


# --- layout ---------------------------------------------------------------------------------------

def test_layout_is_aligned_sorted_and_dense():
    pieces = (6, 3, 5, 0, 3, 6, 5, 2, 1, 4, 3, 5)
    pk = Packing(pieces, 6)
    small = [i for i, n in enumerate(pieces) if n < 6]
    assert len(small) >= PACK_MIN
    assert pk.columns[:2] == (6, 6) and [pk.slot(i).column for i in (0, 5)] == [0, 1]   # full ones first
    order = sorted(small, key=lambda i: (pk.slot(i).column, pk.slot(i).offset))
    assert order == sorted(small, key=lambda i: -pieces[i])                             # decreasing, stable
    used = {}
    for i in small:
        s = pk.slot(i)
        assert s.num_vars == pieces[i] and s.offset % (1 << s.num_vars) == 0
        assert s.offset + (1 << s.num_vars) <= 1 << pk.columns[s.column]
        used.setdefault(s.column, []).append((s.offset, 1 << s.num_vars))
    for col, spans in used.items():
        spans.sort()
        assert all(a + n == b for (a, n), (b, _) in zip(spans, spans[1:]))               # no gap, no overlap
        assert spans[0][0] == 0
        full = sum(n for _, n in spans)
        assert pk.columns[col] == (full - 1).bit_length()                                # the last one is tight
    assert sum(1 << n for n in pk.columns[2:]) < 2 * sum(1 << pieces[i] for i in small) + 64


def test_few_small_pieces_are_not_packed():
    assert Packing((6, 2, 3, 1, 0, 5, 6, 4, 4), 6).identity          # 7 small pieces
    assert Packing((6,) * 40, 6).identity                            # none small
    assert not Packing((2,) * PACK_MIN, 6).identity
    assert Packing((2,) * PACK_MIN, 6).columns == (5,)


def test_a_column_of_one_piece_is_that_piece():
    pk = Packing((5,) * 9, 6)            # 4 full columns of two, then one alone
    assert pk.columns == (6, 6, 6, 6, 5) and not pk.is_packed(4) and pk.is_packed(0)
    z = np.ones((5, 4), np.uint32)
    assert pk.point(8, z) is z


def test_commitment_layout_from_the_sizes_alone(rng):
    """The verifier's commitment (parsed from bytes: the sizes) has the prover's layout."""
    sizes = [int(v) for v in rng.integers(0, 9, size=30)]
    data, claims, proof = prove(tables(rng, sizes), [(3, point(rng, sizes[3]))], PACK)
    com = Commitment.from_bytes(data.commitment.to_bytes())
    assert com == data.commitment and com.layout == data.layout
    assert len(com.layout.num_vars) < len(com.split.columns)
    ours = com.column_claims(claims)
    theirs = data.commitment.column_claims(claims)
    assert all(a.poly == b.poly and np.array_equal(a.point, b.point) for a, b in zip(ours, theirs))
    verify(com, claims, proof, PACK)


def test_packed_columns_hold_the_polynomials(rng):
    """T_k(z) = column(z, bits(slot)), padding zero, ProverData.table is the slot (a view)."""
    sizes = [5, 2, 0, 3, 3, 4, 1, 2, 5, 6, 7]
    polys = tables(rng, sizes)
    from deepprove_cli.pcs.basefold.commit_phase import commit

    data = commit(polys, PACK)
    pk = data.commitment.packing
    covered = {}
    for k, t in enumerate(polys):
        assert np.array_equal(data.table(k), t)
        if sizes[k] >= 6:
            continue
        s = pk.slot(data.commitment.split.starts[k])
        col = data.column(s.column)
        assert np.shares_memory(data.table(k), col)
        z = point(rng, sizes[k])
        c = data.commitment.column_claims([Claim(k, z, np.zeros(4, np.uint32))])[0]
        assert c.poly == s.column and np.array_equal(evaluate(col, c.point), evaluate(t, z))
        covered.setdefault(s.column, []).append(range(s.offset, s.offset + (1 << s.num_vars)))
    for colidx, spans in covered.items():
        mask = np.ones(1 << data.layout.num_vars[colidx], bool)
        for r in spans:
            mask[r.start:r.stop] = False
        assert not data.column(colidx)[mask].any()


def test_one_column_at_a_time_equals_all_columns(rng):
    """column_table (a streamed commit builds one packed column when it reads it) = column_tables."""
    sizes = [5, 2, 0, 3, 3, 4, 1, 2, 5, 6, 7]
    polys = tables(rng, sizes)
    shape = Commitment.for_params(bytes(32), tuple(sizes), PACK)
    pieces = shape.split.column_tables(polys)
    every = shape.packing.column_tables(pieces)
    assert any(shape.packing.is_packed(c) for c in range(len(every)))
    for c, col in enumerate(every):
        assert np.array_equal(shape.packing.column_table(pieces, c), col)


# --- the slot-restricted point reduction -----------------------------------------------------------

def test_slot_sums_kernel_against_reference(rng):
    """k_slot_sums over a region = the reference claim sums of that region (X its first variable)."""
    from deepprove_cli.pcs.basefold.pack_kernels import k_slot_sums

    n = 9
    table = rand(rng, (1 << n, 4))
    cases = [(0, 1), (8, 3), (64, 6), (256, 8), (32, 5), (128, 7), (0, 9), (508, 2)]   # (start, variables)
    starts = np.array([c[0] for c in cases], np.int64)
    nvars = np.array([c[1] for c in cases], np.int64)
    bound = 2
    pts = rand(rng, (len(cases), bound + n, 4))
    out = np.empty((len(cases), 2, 4), np.uint32)
    k_slot_sums(table.reshape(-1), starts, nvars, pts, bound, out.reshape(-1))
    tl = tup(table)
    for c, (start, m) in enumerate(cases):
        region = tl[start:start + (1 << m)]
        suffix = tup(pts[c, bound + 1:bound + m])
        assert tuple(map(one, out[c])) == R.claim_sums(region, [], suffix), cases[c]


def test_slot_partials_kernel_against_reference(rng):
    """k_slot_partials: each claim's region summed over its variables from k on, from the definition."""
    from deepprove_cli.pcs.basefold.pack_kernels import k_slot_partials
    from deepprove_cli.poly.reference import bits, eq_at

    n, k = 10, 3
    table = rand(rng, 1 << n)
    cases = [(0, 0), (8, 0), (64, 3), (256, 5), (512, 6), (0, 7), (32, 2)]   # (start, variables from k on)
    starts = np.array([c[0] for c in cases], np.int64)
    nvars = np.array([c[1] for c in cases], np.int64)
    pts = rand(rng, (len(cases), k + 7, 4))
    out = np.empty((len(cases) << k, 4), np.uint32)
    k_slot_partials(table, starts, nvars, pts, k, out.reshape(-1))
    for c, (start, nv) in enumerate(cases):
        z = tup(pts[c, k:k + nv])
        for u in range(1 << k):
            want = (0, 0, 0, 0)
            for y in range(1 << nv):
                want = R.ext_add(want, R.ext_mul_base(eq_at(z, bits(y, nv)), int(table[start + u + (y << k)])))
            assert one(out[(c << k) + u]) == want, (c, u)


def _mixed(rng, count, max_n, claims_per=(1, 3)):
    sizes = [int(v) for v in rng.integers(0, max_n + 1, size=count)]
    spec = []
    for k, n in enumerate(sizes):
        z = point(rng, n)
        for j in range(int(rng.integers(*claims_per))):
            spec.append((k, z if j == 2 else point(rng, n)))      # a duplicate point now and then
    return sizes, spec


def test_reduction_messages_equal_the_whole_column_prover(rng, monkeypatch):
    """The slot-restricted sums give the same round messages (so the same proof bytes) as the plain
    prover, which sums every claim over its whole column."""
    from deepprove_cli.pcs.basefold import point_reduction as PR

    sizes, spec = _mixed(rng, 24, 7)
    polys = tables(rng, sizes)
    _, _, packed = prove(polys, spec, PACK)
    monkeypatch.setattr(PR, "_PackedColumn", lambda *args: PR._Column(*args[:5]))
    _, _, plain = prove(polys, spec, PACK)
    assert packed.reduce_rounds.shape[0] == 6 and packed.to_bytes() == plain.to_bytes()


def test_claim_kernels_against_reference(rng):
    """The verifier's one-pass sums over claims (claim_kernels) against the definitions."""
    from deepprove_cli.pcs.basefold.claim_kernels import k_expected, k_joins
    from deepprove_cli.poly.reference import eq_at

    n, c = 7, 9
    lens = rng.integers(0, n + 1, size=c).astype(np.int64)
    pts = rand(rng, (c, n, 4))
    coeffs, values, sent, r = rand(rng, (c, 4)), rand(rng, (c, 4)), rand(rng, (c, 4)), rand(rng, (n, 4))
    joins = np.empty((n + 1, 4), np.uint32)
    k_joins(lens, coeffs, values, joins)
    want = [(0, 0, 0, 0)] * (n + 1)
    total = (0, 0, 0, 0)
    for i in range(c):
        d = n - int(lens[i])
        want[d] = R.ext_add(want[d], R.ext_mul(one(coeffs[i]), one(values[i])))
        e = eq_at(tup(pts[i, :lens[i]]), tup(r[d:]))
        total = R.ext_add(total, R.ext_mul(R.ext_mul(one(coeffs[i]), e), one(sent[i])))
    assert tup(joins) == want
    out = np.empty(4, np.uint32)
    k_expected(pts, lens, coeffs, sent, r, out)
    assert one(out) == total


# --- completeness ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_random_mixes(seed):
    """Random batches (1..48 polynomials of 0..8 variables, max_vars 6: split, packed and plain
    columns together), 0..2 claims each, duplicate points, unclaimed polynomials."""
    rng = np.random.default_rng(100 + seed)
    count = [1, 9, 30, 48][seed]
    sizes, spec = _mixed(rng, count, 8, (0, 3))
    spec = spec or [(0, point(rng, sizes[0]))]
    data, claims, proof = prove(tables(rng, sizes), spec, PACK)
    verify(data.commitment, claims, proof, PACK)


def test_hundreds_of_small_polynomials(rng):
    """300 polynomials of 0..6 variables (max_vars 6): dozens of full packed columns, a partial last
    one, 1 or 2 claims each; the proof is a third of the unpacked one's (7 KB here, 20 KB unpacked)."""
    sizes, spec = _mixed(rng, 300, 5, (1, 3))
    data, claims, proof = prove(tables(rng, sizes), spec, PACK)
    assert len(data.layout.num_vars) == -(-sum(1 << n for n in sizes) // 64)
    verify(data.commitment, claims, proof, PACK)
    assert len(proof.to_bytes()) < 10_000


def test_packed_claims_at_one_point(rng):
    """One claim on one packed polynomial: no reduction; the fold runs at its column point."""
    sizes = [3] * 8
    data, claims, proof = prove(tables(rng, sizes), [(4, point(rng, 3))], PACK)
    assert len(data.layout.num_vars) == 1 and proof.reduce_rounds.shape[0] == 0
    verify(data.commitment, claims, proof, PACK)


def test_same_point_on_every_packed_polynomial(rng):
    sizes = [4] * 12
    z = point(rng, 4)
    data, claims, proof = prove(tables(rng, sizes), [(k, z) for k in range(12)] * 2, PACK)
    verify(data.commitment, claims, proof, PACK)


def test_persisted_packed_batch(rng, tmp_path):
    """A packed batch through the container (to_arrays and commit_stream) opens to the same proof."""
    from deepprove_cli.io import container
    from deepprove_cli.pcs import open_batch
    from deepprove_cli.pcs.basefold.commit_phase import ProverData, commit
    from deepprove_cli.pcs.basefold.persist import commit_stream

    from .helpers import transcript

    sizes, spec = _mixed(rng, 14, 7)
    polys = tables(rng, sizes)
    data = commit(polys, PACK)
    claims = [data.claim(k, pt) for k, pt in spec]
    want = open_batch(data, claims, transcript(), PACK).to_bytes()
    stream = commit_stream(polys, PACK)
    path = str(tmp_path / "pd.bin")
    container.write(path, b"DPTEST\0\0", 1, {"pcs": stream.meta}, stream.specs)
    assert stream.commitment == data.commitment
    back = ProverData.from_container(stream.meta, container.read(path, b"DPTEST\0\0"))
    assert open_batch(back, claims, transcript(), PACK).to_bytes() == want


# --- soundness ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def packed_case():
    rng = np.random.default_rng(77)
    sizes = [6, 3, 5, 2, 4, 3, 0, 1, 5, 4, 2, 7, 3]
    polys = tables(rng, sizes)
    spec = [(k, point(rng, n)) for k, n in enumerate(sizes)] + [(1, point(rng, 3)), (4, point(rng, 4))]
    data, claims, proof = prove(polys, spec, PACK)
    verify(data.commitment, claims, proof, PACK)
    assert any(data.commitment.packing.is_packed(c) for c in range(len(data.layout.num_vars)))
    return data, polys, claims, proof


def test_tampered_claim_value(packed_case):
    data, _, claims, proof = packed_case
    for i in range(len(claims)):
        bad = list(claims)
        bad[i] = dataclasses.replace(claims[i], value=_bump(claims[i].value))
        with pytest.raises(ProofInvalid):
            verify(data.commitment, bad, proof, PACK)


def test_value_of_another_slot(packed_case):
    """A claim answered with a neighbour's value at the same point (the same column, another slot;
    or the column at other slot bits) is rejected: the verifier derives the slot bits itself."""
    from deepprove_cli.pcs import open_batch

    from .helpers import transcript

    data, polys, claims, proof = packed_case
    pk = data.commitment.packing
    k, j = 1, 5   # two polynomials of 3 variables in one packed column
    assert pk.slot(k).column == pk.slot(j).column and pk.slot(k).offset != pk.slot(j).offset
    z = claims[k].point
    lie = Claim(k, z, evaluate(polys[j], z))
    bad = list(claims)
    bad[k] = lie
    with pytest.raises(ProofInvalid):
        verify(data.commitment, bad, proof, PACK)
    # the prover answers honestly for the lie's own point; the verifier still rejects it
    with pytest.raises(ProofInvalid):
        verify(data.commitment, bad, open_batch(data, bad, transcript(), PACK), PACK)


def test_tampered_opening_values_and_rounds(packed_case):
    data, _, claims, proof = packed_case
    for field, idx in (("reduce_values", 0), ("reduce_values", -1), ("reduce_rounds", 0), ("reduce_rounds", -1),
                       ("fold_rounds", 0), ("final", 0)):
        bad = copy.deepcopy(proof)
        arr = getattr(bad, field)
        arr[idx] = _bump(arr[idx])
        with pytest.raises(ProofInvalid):
            verify(data.commitment, claims, bad, PACK)


def test_tampered_leaf(packed_case):
    data, _, claims, proof = packed_case
    for lvl in range(len(proof.batch_opening.rows)):
        bad = copy.deepcopy(proof)
        bad.batch_opening.rows[lvl][0, -1] = (int(bad.batch_opening.rows[lvl][0, -1]) + 1) % P
        with pytest.raises(ProofInvalid):
            verify(data.commitment, claims, bad, PACK)


def test_security_counts_the_packed_columns(rng):
    """Reported for what is committed: 40 polynomials of 2^3 are one column of 2^9."""
    from deepprove_cli.pcs import security_of, security_of_commitment

    data, claims, proof = prove(tables(rng, [3] * 40), [(k, point(rng, 3)) for k in range(40)])
    assert data.layout.num_vars == (9,)
    sec = security_of_commitment(SMALL, data.commitment, len(claims))
    assert sec == security_of(SMALL, 9, 1, 40) and sec != security_of(SMALL, 3, 40, 40)
    verify(data.commitment, claims, proof)
