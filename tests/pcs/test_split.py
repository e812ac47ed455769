"""Polynomials above max_vars: committed as chunks on their high variables, transparent to callers
(indices and claims refer to the original polynomials); chunk values checked and tamper-proof."""

import copy
import dataclasses

import numpy as np
import pytest

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.field.babybear import P
from deepprove_cli.pcs import DEFAULT_PARAMS, PcsParams, security_of
from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.commit_phase import commit
from deepprove_cli.pcs.basefold.split import Split
from deepprove_cli.poly import reference as PR

from .helpers import SMALL, point, prove, tables, verify

SPLIT = dataclasses.replace(SMALL, max_vars=5)


def test_split_index_arithmetic():
    s = Split((7, 3, 5, 9), 5)
    assert s.starts == (0, 4, 5, 6, 22) and s.columns == (5,) * 4 + (3, 5) + (5,) * 16
    assert [s.owner(c) for c in (0, 3, 4, 5, 6, 21)] == [0, 0, 1, 2, 3, 3]
    t = np.arange(1 << 7, dtype=np.uint32)
    cols = s.column_tables([t, t[:8], t[:32], np.zeros(1 << 9, np.uint32)])
    assert len(cols) == 22 and np.array_equal(cols[2], t[64:96]) and np.shares_memory(cols[2], t)
    with pytest.raises(ValueError, match="columns"):
        Split((30,), 10)


def test_chunk_claims_recombine(rng):
    """sum_j eq(z_high, j) T_j(z_low) = T(z) (the identity the verifier checks)."""
    t = rng.integers(0, P, size=1 << 6, dtype=np.uint32)
    z = point(rng, 6)
    chunks = [PR.evaluate(t[j * 8:(j + 1) * 8].tolist(), [tuple(map(int, r)) for r in z[:3]]) for j in range(8)]
    assert PR.evaluate(chunks, [tuple(map(int, r)) for r in z[3:]]) == PR.evaluate(t.tolist(),
                                                                                   [tuple(map(int, r)) for r in z])


@pytest.mark.parametrize("spec", ["one-point", "several-points", "mixed"])
def test_split_openings(rng, spec):
    polys = tables(rng, [8, 4, 7, 5])
    z = point(rng, 8)
    if spec == "one-point":
        claims = [(0, z)]
    elif spec == "several-points":
        claims = [(0, z), (0, point(rng, 8)), (2, point(rng, 7))]
    else:
        claims = [(0, z), (1, z[4:]), (2, point(rng, 7)), (3, point(rng, 5)), (2, point(rng, 7))]
    data, cl, proof = prove(polys, claims, SPLIT)
    assert data.commitment.num_vars == (8, 4, 7, 5) and len(data.commitment.layout.num_vars) == 8 + 1 + 4 + 1
    assert np.array_equal(data.table(0), polys[0]) and np.array_equal(data.table(2), polys[2])
    assert proof.split_values.shape == (sum(8 if c.poly == 0 else 4 if c.poly == 2 else 0 for c in cl), 4)
    verify(data.commitment, cl, proof, SPLIT)
    if spec == "one-point":
        assert proof.reduce_rounds.shape[0] == 0  # the chunks of one claim sit at one point


def test_single_split_polynomial_is_one_view(rng):
    polys = tables(rng, [9])
    data = commit(polys, SPLIT)
    assert np.shares_memory(data.tables[0], polys[0]) and data.tables[0].shape == (16, 32)


def test_tampered_chunk_values(rng):
    polys = tables(rng, [8, 3])
    data, claims, proof = prove(polys, [(0, point(rng, 8)), (1, point(rng, 3))], SPLIT)
    for i in (0, 7):
        bad = copy.deepcopy(proof)
        bad.split_values[i, 1] = (int(bad.split_values[i, 1]) + 1) % P
        with pytest.raises(ProofInvalid, match="recombine"):
            verify(data.commitment, claims, bad, SPLIT)


def test_consistent_but_false_chunk_values(rng):
    """Chunk values changed so that they still recombine to the claimed value: the chunk openings fail."""
    from deepprove_cli.pcs.basefold.scalars import eadd, emul, esub

    polys = tables(rng, [7])
    z = point(rng, 7)
    data, claims, proof = prove(polys, [(0, z)], SPLIT)
    zh = [tuple(map(int, r)) for r in z[5:]]
    e0, e1 = (np.array(PR.eq_at(zh, PR.bits(j, 2)), dtype=np.uint32) for j in (0, 1))
    delta = np.array([5, 6, 7, 8], dtype=np.uint32)
    bad = copy.deepcopy(proof)
    bad.split_values[0] = eadd(bad.split_values[0], emul(delta, e1))   # + delta e1 e0 - delta e0 e1 = 0
    bad.split_values[1] = esub(bad.split_values[1], emul(delta, e0))
    with pytest.raises(ProofInvalid) as err:
        verify(data.commitment, claims, bad, SPLIT)
    assert "recombine" not in str(err.value)


def test_wrong_value_on_split_polynomial(rng):
    polys = tables(rng, [7])
    data, claims, proof = prove(polys, [(0, point(rng, 7))], SPLIT)
    bad = [dataclasses.replace(claims[0], value=(claims[0].value + np.uint32(1)) % np.uint32(P))]
    with pytest.raises(ProofInvalid, match="recombine"):
        verify(data.commitment, bad, proof, SPLIT)


def test_max_vars_is_part_of_the_commitment(rng):
    polys = tables(rng, [7])
    data, claims, proof = prove(polys, [(0, point(rng, 7))], SPLIT)
    with pytest.raises(ProofInvalid, match="max_vars"):
        verify(data.commitment, claims, proof, dataclasses.replace(SPLIT, max_vars=6))
    from deepprove_cli.pcs import open_batch

    from .helpers import transcript
    with pytest.raises(InputError, match="max_vars"):
        open_batch(data, claims, transcript(), dataclasses.replace(SPLIT, max_vars=6))


def test_default_security_every_size():
    """>= 100 bits conjectured for every polynomial size, batch width and claim count (defaults)."""
    assert DEFAULT_PARAMS.max_vars == 20
    for n in range(0, 41):
        for batch, claims in ((1, 1), (256, 512), (1 << 16, 1 << 16)):
            assert security_of(DEFAULT_PARAMS, n, batch, claims).conjectured >= 100, (n, batch, claims)
    for r in (1, 2, 3):
        p = PcsParams.for_security(100, rate_bits=r)
        assert p.max_vars == 21 - r and security_of(p, 30, 64, 128).conjectured >= 100
    with pytest.raises(ValueError, match="out of reach"):
        PcsParams.for_security(125)


def test_big_polynomial_under_small_max_vars(rng):
    """A 2^23 polynomial (128 chunks of 2^16) opened at two points, at >= 100 bits conjectured."""
    params = dataclasses.replace(PcsParams.for_security(100), max_vars=16)
    t = rng.integers(0, P, size=1 << 23, dtype=np.uint32)
    data = commit([t], params)
    assert len(data.commitment.layout.num_vars) == 128
    claims = [data.claim(0, point(rng, 23)), data.claim(0, rng.integers(0, P, size=23))]
    from deepprove_cli.pcs import open_batch

    from .helpers import transcript
    proof = open_batch(data, claims, transcript(), params)
    verify(data.commitment, claims, proof, params)
    assert security_of(params, 23, 1, 2).conjectured >= 100
    assert isinstance(claims[0], Claim)
