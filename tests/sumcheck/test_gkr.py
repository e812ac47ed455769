"""Fraction-tree GKR: tree vs fractions by definition, completeness, and tampering."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.reference import P, ext_add, ext_inv, ext_mul, ext_sub
from deepprove_cli.io.binary import ProofFormatError, Reader, Writer
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.sumcheck.gkr import FractionProof, verify_fractions
from deepprove_cli.sumcheck.gkr_prover import fraction_layers, prove_fractions
from tests.sumcheck.helpers import transcript


def _t(e):
    return tuple(int(v) for v in e)


def _leaves(rng, n, base_p=False):
    p = rng.integers(0, P, size=(1 << n) if base_p else (1 << n, 4), dtype=np.uint32)
    q = rng.integers(1, P, size=(1 << n, 4), dtype=np.uint32)
    return p, q


def _frac_sum(p, q):
    acc = (0, 0, 0, 0)
    for a, b in zip(p, q):
        a = _t(a) if np.ndim(a) else (int(a), 0, 0, 0)
        acc = ext_add(acc, ext_mul(a, ext_inv(_t(b))))
    return acc


@pytest.mark.parametrize("n", [0, 1, 3])
def test_tree_root_is_the_fraction_sum(rng, n):
    p, q = _leaves(rng, n, base_p=n == 3)
    layers = fraction_layers(p, q)
    assert [lp.shape[0] for lp, _ in layers] == [1 << k for k in range(n + 1)]
    root_p, root_q = layers[0][0][0], layers[0][1][0]
    assert ext_mul(_t(root_p), ext_inv(_t(root_q))) == _frac_sum(p, q)
    # each layer by definition (halves)
    for (pp, qq), (lp, lq) in zip(layers, layers[1:]):
        h = pp.shape[0]
        for i in range(h):
            assert _t(pp[i]) == ext_add(ext_mul(_t(lp[i]), _t(lq[i + h])), ext_mul(_t(lp[i + h]), _t(lq[i])))
            assert _t(qq[i]) == ext_mul(_t(lq[i]), _t(lq[i + h]))


def _prove(rng, n, base_p=False):
    p, q = _leaves(rng, n, base_p)
    proof, root, point, (vp, vq) = prove_fractions(p, q, transcript())
    return p, q, proof, root, point, vp, vq


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_completeness(rng, n):
    p, q, proof, root, point, vp, vq = _prove(rng, n, base_p=n == 2)
    assert np.array_equal(evaluate(p, point), vp) and np.array_equal(evaluate(q, point), vq)
    w = Writer()
    proof.write(w)
    data = w.getvalue()
    assert len(data) == 16 * sum(3 * k + 4 for k in range(n))
    r = Reader(data)
    parsed = FractionProof.read(r, n)
    r.finish()
    tv = transcript()
    vpoint, ep, eq = verify_fractions(root, n, parsed, tv)
    assert np.array_equal(vpoint, point) and np.array_equal(ep, vp) and np.array_equal(eq, vq)


def test_logup_style_zero_sum(rng):
    """Lookups of values a_i into a table t with multiplicities m: sum 1/(x - a_i) - sum m_j/(x - t_j) = 0."""
    x = rng.integers(0, P, size=4, dtype=np.uint32)
    table = np.arange(8, dtype=np.uint32)
    looked = np.array([3, 3, 5, 0, 7, 3, 5, 1], dtype=np.uint32)
    mult = np.bincount(looked, minlength=8)
    p = np.concatenate([np.ones(8, np.uint32), (P - mult.astype(np.int64)) % P]).astype(np.uint32)
    q = np.zeros((16, 4), dtype=np.uint32)
    for i, v in enumerate(np.concatenate([looked, table])):
        q[i] = ext_sub(_t(x), (int(v), 0, 0, 0))
    proof, root, point, _ = prove_fractions(p, q, transcript())
    assert not root[0].any()  # the fractions cancel


def test_tampering_rejected(rng):
    n = 3
    p, q, proof, root, point, vp, vq = _prove(rng, n)

    def outcome(pr, rt):
        try:
            _, ep, eq = verify_fractions(rt, n, pr, transcript())
        except ProofInvalid:
            return "rejected"
        return "ok" if np.array_equal(ep, vp) and np.array_equal(eq, vq) else "leaf mismatch"

    assert outcome(proof, root) == "ok"
    for k in range(n):
        for j in range(4):
            bad = FractionProof(proof.sumchecks, [e.copy() for e in proof.evals])
            bad.evals[k][j, 1] = (int(bad.evals[k][j, 1]) + 1) % P
            assert outcome(bad, root) != "ok", (k, j)
    for k in range(1, n):
        sc = [type(s)(s.round_evals.copy()) for s in proof.sumchecks]
        sc[k].round_evals[0, 0, 0] = (int(sc[k].round_evals[0, 0, 0]) + 1) % P
        assert outcome(FractionProof(sc, proof.evals), root) != "ok", k
    bad_root = (root[0].copy(), root[1])
    bad_root[0][0] = (int(bad_root[0][0]) + 1) % P
    assert outcome(proof, bad_root) != "ok"
    with pytest.raises(ProofInvalid):
        verify_fractions(root, n + 1, proof, transcript())


def test_truncated_proof_rejected(rng):
    _, _, proof, _, _, _, _ = _prove(rng, 3)
    w = Writer()
    proof.write(w)
    data = w.getvalue()
    with pytest.raises(ProofFormatError):
        FractionProof.read(Reader(data[:-4]), 3)
    r = Reader(data + b"\0" * 16)
    FractionProof.read(r, 3)
    with pytest.raises(ProofFormatError):
        r.finish()
