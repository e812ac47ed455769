"""Honest openings verify: single and batched polynomials, one and several points, mixed sizes
(0 and 1 variables included), unclaimed polynomials, every rate and arity."""

import pytest

from deepprove_cli.pcs.basefold.params import PcsParams

from .helpers import SMALL, point, prove, tables, verify


@pytest.mark.parametrize("n", [0, 1, 2, 5, 9])
def test_single_polynomial(rng, n):
    polys = tables(rng, [n])
    data, claims, proof = prove(polys, [(0, point(rng, n))])
    verify(data.commitment, claims, proof)


def test_batch_one_point(rng):
    polys = tables(rng, [7, 7, 7])
    z = point(rng, 7)
    data, claims, proof = prove(polys, [(k, z) for k in range(3)])
    assert proof.reduce_rounds.shape[0] == 0  # no point reduction needed
    verify(data.commitment, claims, proof)


def test_mixed_sizes_one_point(rng):
    """Smaller polynomials claimed at the suffix of the big point take no point reduction."""
    polys = tables(rng, [8, 5, 8, 0, 3])
    z = point(rng, 8)
    data, claims, proof = prove(polys, [(k, z[8 - len(p).bit_length() + 1:]) for k, p in enumerate(polys)])
    assert proof.reduce_rounds.shape[0] == 0
    verify(data.commitment, claims, proof)


def test_several_points(rng):
    polys = tables(rng, [6, 6])
    data, claims, proof = prove(polys, [(0, point(rng, 6)), (1, point(rng, 6)), (0, point(rng, 6))])
    assert proof.reduce_rounds.shape[0] == 6
    verify(data.commitment, claims, proof)


def test_mixed_sizes_several_points(rng):
    polys = tables(rng, [9, 4, 1, 0, 9, 6])
    spec = [(0, point(rng, 9)), (1, point(rng, 4)), (2, point(rng, 1)), (3, point(rng, 0)), (5, point(rng, 6)),
            (1, point(rng, 4))]
    data, claims, proof = prove(polys, spec)
    verify(data.commitment, claims, proof)


def test_only_smaller_polynomials_claimed(rng):
    """The largest polynomial of the batch is committed but not opened."""
    polys = tables(rng, [10, 6, 6])
    data, claims, proof = prove(polys, [(2, point(rng, 6)), (1, point(rng, 6))])
    verify(data.commitment, claims, proof)


@pytest.mark.parametrize("rate_bits,arity_bits,leaf_bits,final_vars",
                         [(2, 1, 1, 0), (3, 4, 4, 3), (1, 3, 1, 0), (2, 4, 2, 9), (1, 1, 4, 2), (4, 2, 3, 1)])
def test_parameters(rng, rate_bits, arity_bits, leaf_bits, final_vars):
    params = PcsParams(rate_bits=rate_bits, arity_bits=arity_bits, num_queries=9, grinding_bits=1,
                       final_vars=final_vars, leaf_bits=leaf_bits)
    polys = tables(rng, [8, 3, 1])
    spec = [(0, point(rng, 8)), (1, point(rng, 3)), (2, point(rng, 1))]
    data, claims, proof = prove(polys, spec, params)
    verify(data.commitment, claims, proof, params)


def test_random_batches(rng):
    for _ in range(4):
        sizes = [int(v) for v in rng.integers(0, 9, size=int(rng.integers(1, 5)))]
        polys = tables(rng, sizes)
        spec = [(int(k), point(rng, sizes[k])) for k in rng.integers(0, len(sizes), size=int(rng.integers(1, 4)))]
        data, claims, proof = prove(polys, spec)
        verify(data.commitment, claims, proof)


def test_serialization_round_trip_and_breakdown(rng):
    from deepprove_cli.pcs.basefold.proof import OpeningProof, ProofShape

    polys = tables(rng, [7, 5])
    data, claims, proof = prove(polys, [(0, point(rng, 7)), (1, point(rng, 5))])
    raw = proof.to_bytes()
    shape = ProofShape.of(data.commitment.layout, claims, SMALL)
    again = OpeningProof.from_bytes(raw, shape)
    assert again.to_bytes() == raw
    sizes = proof.size_breakdown()
    assert sum(sizes.values()) == len(raw) - 1  # the version byte is before the first section
    assert sizes["batch_paths"] > 0 and sizes["fold_rounds"] == 16 * 2 * proof.fold_rounds.shape[0]
    verify(data.commitment, claims, raw)


def test_commitment_round_trip(rng):
    from deepprove_cli.pcs.basefold.commitment import Commitment

    data, _, _ = prove(tables(rng, [5, 2]), [(0, point(rng, 5))])
    c = data.commitment
    assert Commitment.from_bytes(c.to_bytes()) == c
    assert len(c.to_bytes()) == 1 + 4 + 4 + 2 + 32


def test_verifier_imports_no_prover_kernels():
    """The verifier's import closure holds no prover module of pcs (nor the sumcheck/poly kernels)."""
    import subprocess
    import sys

    code = ("import sys; import deepprove_cli.pcs.basefold.verifier; "
            "print(' '.join(m for m in sys.modules if m.startswith('deepprove_cli')))")
    mods = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    prover = {"kernels", "encoding", "tables", "fold_phase", "query_phase", "point_reduction", "prover",
              "commit_phase"}
    bad = [m for m in mods if m.rsplit(".", 1)[-1] in prover or m.startswith(("deepprove_cli.poly",
                                                                              "deepprove_cli.sumcheck"))]
    assert "deepprove_cli.pcs.basefold.verifier" in mods and not bad, bad


def test_prover_data_claim_helper(rng):
    from deepprove_cli.pcs import commit, open_batch

    from .helpers import transcript

    polys = tables(rng, [5, 3])
    data = commit(polys, SMALL)
    claims = [data.claim(0, point(rng, 5)), data.claim(1, rng.integers(0, 100, size=3))]
    proof = open_batch(data, claims, transcript(), SMALL)
    verify(data.commitment, claims, proof)


@pytest.mark.parametrize("leaf_bits,arity_bits", [(1, 4), (2, 3), (1, 1), (4, 2)])
def test_injections_with_leaves_narrower_than_layers(rng, leaf_bits, arity_bits):
    """Groups entering at fold counts off the arity grid: the schedule starts a layer there."""
    from deepprove_cli.pcs.basefold.layout import FoldSchedule

    params = PcsParams(rate_bits=1, arity_bits=arity_bits, num_queries=9, grinding_bits=1, final_vars=1,
                       leaf_bits=leaf_bits)
    sizes = [12, 9, 7, 6, 3, 1]
    polys = tables(rng, sizes)
    z = point(rng, 12)
    data, claims, proof = prove(polys, [(k, z[12 - n:]) for k, n in enumerate(sizes)], params)
    verify(data.commitment, claims, proof, params)
    s = FoldSchedule.build(data.layout, range(len(sizes)), params.final_vars)
    starts = {lay.start for lay in s.layers}
    assert all(d in starts for d in s.inject if s.layers[0].folds <= d < s.folds)


def test_open_leaf_width_follows_the_batch_width(rng):
    """Left open, the leaf width is chosen from the batch's width: 4 for one column, 1 for wide batches
    (of full columns: max_vars is their size, else they would be packed into one, pack.py); the
    verifier derives the same and accepts an explicit equal value."""
    import dataclasses

    from deepprove_cli.pcs.basefold.layout import auto_leaf_bits

    assert [auto_leaf_bits([9] * k) for k in (1, 8, 16, 32, 256)] == [4, 3, 2, 1, 1]
    assert auto_leaf_bits([9, 5, 5, 5, 5, 5]) == 4  # the width of the largest size counts
    params = dataclasses.replace(SMALL, leaf_bits=None, max_vars=6)
    for k, leaf in ((1, 4), (32, 1)):
        polys = tables(rng, [6] * k)
        z = point(rng, 6)
        data, claims, proof = prove(polys, [(i, z) for i in range(k)], params)
        assert data.layout.leaf_bits == leaf
        verify(data.commitment, claims, proof, params)
        verify(data.commitment, claims, proof, dataclasses.replace(params, leaf_bits=leaf))


def test_point_reduction_shapes(rng):
    """Columns joining the reduction inside and after its base-table rounds, several claims per
    column (some at one point), 0-variable columns, split polynomials: all verify."""
    import dataclasses

    params = dataclasses.replace(SMALL, max_vars=6)
    for trial in range(3):
        sizes = [8, 6, 5, 4, 3, 1, 0, 7][trial:]
        polys = tables(rng, sizes)
        spec = []
        for k, n in enumerate(sizes):
            z = point(rng, n)
            spec += [(k, z), (k, point(rng, n))] + ([(k, z)] if k % 3 == 0 else [])
        data, claims, proof = prove(polys, spec, params)
        assert proof.reduce_rounds.shape[0] == min(max(sizes), 6)
        verify(data.commitment, claims, proof, params)
