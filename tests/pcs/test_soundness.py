"""Every tampered proof, claim, commitment or parameter is rejected with ProofInvalid."""

import copy
import dataclasses

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.commitment import Commitment
from deepprove_cli.pcs.basefold.verifier import verify_opening
from deepprove_cli.transcript import Transcript

from .helpers import SMALL, point, prove, tables, transcript, verify


@pytest.fixture(scope="module", params=["one-point", "several-points"])
def case(request):
    """A mixed-size batch with committed layers, injections and (for several points) a reduction."""
    rng = np.random.default_rng(7)
    polys = tables(rng, [10, 10, 5, 1])
    z = point(rng, 10)
    if request.param == "one-point":
        spec = [(0, z), (1, z), (2, z[5:]), (3, z[9:])]
    else:
        spec = [(0, z), (1, point(rng, 10)), (2, point(rng, 5)), (0, point(rng, 10)), (3, point(rng, 1))]
    data, claims, proof = prove(polys, spec)
    verify(data.commitment, claims, proof)
    return data.commitment, claims, proof


def _rejects(commitment, claims, proof, params=SMALL, match=None):
    with pytest.raises(ProofInvalid, match=match):
        verify(commitment, claims, proof, params)


def _bump(a, idx=0):
    """A copy of a uint32 array with one element changed (kept canonical)."""
    b = np.array(a, copy=True)
    flat = b.reshape(-1)
    flat[idx] = (int(flat[idx]) + 1) % 2013265921
    return b


def _with(proof, **changes):
    p = copy.deepcopy(proof)
    for k, v in changes.items():
        setattr(p, k, v)
    return p


def test_wrong_claimed_value(case):
    com, claims, proof = case
    for i in range(len(claims)):
        bad = list(claims)
        bad[i] = dataclasses.replace(claims[i], value=_bump(claims[i].value))
        _rejects(com, bad, proof)


def test_opening_at_another_point(case):
    com, claims, proof = case
    for i in range(len(claims)):
        if len(claims[i].point) == 0:
            continue
        bad = list(claims)
        bad[i] = dataclasses.replace(claims[i], point=_bump(claims[i].point, 4 * (len(claims[i].point) - 1)))
        _rejects(com, bad, proof)


def test_other_claimed_polynomial(case):
    com, claims, proof = case
    bad = list(claims)
    bad[0] = dataclasses.replace(claims[0], poly=1)
    _rejects(com, bad, proof)


def test_tampered_round_polynomials(case):
    com, claims, proof = case
    for j in range(proof.fold_rounds.shape[0]):
        for k in (0, 1):
            r = np.array(proof.fold_rounds)
            r[j, k] = _bump(r[j, k])
            _rejects(com, claims, _with(proof, fold_rounds=r))
    for j in range(proof.reduce_rounds.shape[0]):
        r = np.array(proof.reduce_rounds)
        r[j, 1] = _bump(r[j, 1], 3)
        _rejects(com, claims, _with(proof, reduce_rounds=r), match="point reduction")


def test_tampered_reduction_values(case):
    com, claims, proof = case
    for i in range(proof.reduce_values.shape[0]):
        v = np.array(proof.reduce_values)
        v[i] = _bump(v[i])
        _rejects(com, claims, _with(proof, reduce_values=v), match="point reduction")


def test_wrong_final_polynomial(case):
    com, claims, proof = case
    for i in range(proof.final.shape[0]):
        _rejects(com, claims, _with(proof, final=_bump(proof.final, 4 * i)), match="fold sumcheck")


def test_altered_batch_leaf_rows(case):
    com, claims, proof = case
    for lvl, rows in enumerate(proof.batch_opening.rows):
        p = copy.deepcopy(proof)
        p.batch_opening.rows[lvl] = _bump(rows, rows.size - 1)
        _rejects(com, claims, p, match="batch tree")


def test_altered_path_nodes(case):
    com, claims, proof = case
    for idx in (0, len(proof.batch_opening.nodes) - 1):
        p = copy.deepcopy(proof)
        p.batch_opening.nodes[idx, 3] ^= 1
        _rejects(com, claims, p, match="batch tree")
    with_nodes = [c for c, op in enumerate(proof.layer_openings) if len(op.nodes)]
    assert with_nodes
    for c in with_nodes:
        p = copy.deepcopy(proof)
        p.layer_openings[c].nodes[0, 0] ^= 1 << 31
        _rejects(com, claims, p, match="Merkle")


def test_wrong_query_answer(case):
    """A changed value in a committed layer's opened window (its Merkle path no longer matches)."""
    com, claims, proof = case
    assert proof.layer_openings
    for c in range(len(proof.layer_openings)):
        p = copy.deepcopy(proof)
        p.layer_openings[c].rows[0] = _bump(p.layer_openings[c].rows[0], 5)
        _rejects(com, claims, p)


def test_tampered_layer_root(case):
    com, claims, proof = case
    for c in range(len(proof.layer_roots)):
        roots = list(proof.layer_roots)
        roots[c] = bytes([roots[c][0] ^ 1]) + roots[c][1:]
        _rejects(com, claims, _with(proof, layer_roots=roots))


def test_wrong_grinding_nonce():
    """With 12 grinding bits almost no other nonce is valid; the next one after the honest nonce."""
    params = dataclasses.replace(SMALL, grinding_bits=12)
    rng = np.random.default_rng(3)
    polys = tables(rng, [6])
    data, claims, proof = prove(polys, [(0, point(rng, 6))], params)
    verify(data.commitment, claims, proof, params)
    _rejects(data.commitment, claims, _with(proof, nonce=proof.nonce + 1), params, match="grinding")


def test_altered_commitment_root(case):
    com, claims, proof = case
    bad = dataclasses.replace(com, root=bytes([com.root[0] ^ 0x80]) + com.root[1:])
    _rejects(bad, claims, proof)


def test_changed_commitment_shape(case):
    com, claims, proof = case
    lay = com.layout
    other = Commitment.of(com.root, com.num_vars + (2,), lay.rate_bits, lay.arity_bits,
                          lay.leaf_bits, com.max_vars)
    _rejects(other, claims, proof)


@pytest.mark.parametrize("change", [dict(num_queries=13), dict(grinding_bits=3), dict(final_vars=1),
                                    dict(final_vars=3), dict(rate_bits=2), dict(arity_bits=3), dict(leaf_bits=2),
                                    dict(max_vars=9)])
def test_changed_parameters(case, change):
    com, claims, proof = case
    _rejects(com, claims, proof, dataclasses.replace(SMALL, **change))


def test_other_transcript_state(case):
    com, claims, proof = case
    with pytest.raises(ProofInvalid):
        verify_opening(com, claims, proof, Transcript(b"another protocol"), SMALL)
    t = transcript()
    t.absorb_u64("something before", 1)
    with pytest.raises(ProofInvalid):
        verify_opening(com, claims, proof, t, SMALL)


def test_truncated_and_extra_bytes(case):
    com, claims, proof = case
    raw = proof.to_bytes()
    for cut in (1, 17, len(raw) // 2, len(raw) - 1):
        _rejects(com, claims, raw[:cut] if cut < len(raw) else raw, match="truncated")
    with pytest.raises(ProofFormatError, match="trailing"):
        verify(com, claims, raw + b"\x00")
    with pytest.raises(ProofFormatError):
        verify(com, claims, bytes([raw[0] + 1]) + raw[1:])  # version


def test_non_canonical_and_oversized_counts(case):
    com, claims, proof = case
    raw = bytearray(proof.to_bytes())
    raw[1:5] = (2013265921).to_bytes(4, "little")  # first element of the first round message
    with pytest.raises(ProofFormatError, match="non-canonical"):
        verify(com, claims, bytes(raw))
    p = copy.deepcopy(proof)
    extra = np.concatenate([p.batch_opening.nodes] * 40)
    p.batch_opening.nodes = extra
    with pytest.raises(ProofFormatError, match="exceeds"):
        verify(com, claims, p)


def test_claims_must_fit_the_commitment(case):
    from deepprove_cli.errors import InputError

    com, claims, proof = case
    with pytest.raises(InputError, match="point"):
        verify(com, [Claim(0, claims[0].point[:3], claims[0].value)], proof)
    with pytest.raises(InputError, match="not in the batch"):
        verify(com, [dataclasses.replace(claims[0], poly=9)], proof)


def test_inconsistent_committed_layer(monkeypatch):
    """A prover whose committed layer is not the fold of the previous one (Merkle paths all valid):
    every query's fold check catches it."""
    from deepprove_cli.pcs.basefold import fold_phase

    honest = fold_phase.encode_ext

    def corrupt(g, rate_bits):
        out = honest(g, rate_bits)
        out[:, 0] = (out[:, 0] + 1) % 2013265921
        return out

    monkeypatch.setattr(fold_phase, "encode_ext", corrupt)
    rng = np.random.default_rng(5)
    polys = tables(rng, [9])
    data, claims, proof = prove(polys, [(0, point(rng, 9))])
    assert len(proof.layer_roots) >= 2
    _rejects(data.commitment, claims, proof, match="does not match layer")
