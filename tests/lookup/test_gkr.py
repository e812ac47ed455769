"""The batched fractional-sum GKR on its own: random leaves, several trees of different depths."""
import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.reference import P, ext_sub
from deepprove_cli.lookup import gkr_prover, gkr_verifier
from deepprove_cli.lookup import reference as ref
from deepprove_cli.lookup.tree import BaseLeaves, ExtLeaves
from deepprove_cli.transcript import Transcript


def _rows(a):
    return [tuple(int(v) for v in r) for r in a] if a.ndim == 2 else [int(v) for v in a]


def _leaves(rng, depths, base):
    out, refs = [], []
    for d in depths:
        n = 1 << d
        if base[len(out) % len(base)]:
            p = rng.integers(0, P, size=n, dtype=np.uint32)
            w = rng.integers(0, P, size=n, dtype=np.uint32)
            alpha = rng.integers(0, P, size=4, dtype=np.uint32)
            out.append(BaseLeaves(p, w, alpha))
            refs.append((_rows(p), [ext_sub(tuple(int(v) for v in alpha), (int(x), 0, 0, 0)) for x in w]))
        else:
            p = rng.integers(0, P, size=(n, 4), dtype=np.uint32)
            q = rng.integers(0, P, size=(n, 4), dtype=np.uint32)
            out.append(ExtLeaves(p, q))
            refs.append((_rows(p), _rows(q)))
    return out, refs


def _run(leaves):
    proof, points = gkr_prover.prove(leaves, Transcript(b"gkr-test"))
    roots, claims = gkr_verifier.verify([lv.depth for lv in leaves], proof, Transcript(b"gkr-test"))
    return proof, points, roots, claims


@pytest.mark.parametrize("depths, base", [
    ([1], [False]), ([1], [True]), ([3], [True]), ([5, 2, 1, 4], [False, True]), ([2, 2, 6], [True, False, True]),
])
def test_gkr_complete_and_claims_true(rng, depths, base):
    leaves, refs = _leaves(rng, depths, base)
    _, points, roots, claims = _run(leaves)
    for (p, q), root, (pt, pc, qc), ppt in zip(refs, roots, claims, points):
        lp, lq = ref.fraction_layers(p, q)[-1]
        assert (_rows(np.stack(root))) == [lp[0], lq[0]]
        assert np.array_equal(pt, ppt) and pt.shape == (len(p).bit_length() - 1, 4)
        assert tuple(int(v) for v in pc) == ref.evaluate(p, _rows(pt))
        assert tuple(int(v) for v in qc) == ref.evaluate(q, _rows(pt))


def _consistent(refs, roots, claims):
    """What a caller concludes: every root and every leaf claim is the truth."""
    for (p, q), root, (pt, pc, qc) in zip(refs, roots, claims):
        lp, lq = ref.fraction_layers(p, q)[-1]
        if _rows(np.stack(root)) != [lp[0], lq[0]]:
            return False
        if tuple(int(v) for v in pc) != ref.evaluate(p, _rows(pt)) or tuple(int(v) for v in qc) != ref.evaluate(q, _rows(pt)):
            return False
    return True


def test_gkr_every_tamper_is_caught(rng):
    """Change any one coefficient of any sent value: the verifier rejects, or what it returns is false."""
    leaves, refs = _leaves(rng, [4, 2, 3], [True, False])
    proof, _, _, _ = _run(leaves)
    targets = [("roots", proof.roots)] + [(f"rounds{k}", lp.rounds) for k, lp in enumerate(proof.layers, 1)] + \
              [(f"evals{k}", lp.evals) for k, lp in enumerate(proof.layers, 1)]
    checked = 0
    for name, arr in targets:
        flat = arr.reshape(-1)
        for pos in range(0, flat.size, 3):
            old = flat[pos]
            flat[pos] = (int(old) + 1) % P
            try:
                roots, claims = gkr_verifier.verify([4, 2, 3], proof, Transcript(b"gkr-test"))
                ok = _consistent(refs, roots, claims)
            except ProofInvalid:
                ok = False
            flat[pos] = old
            assert not ok, (name, pos)
            checked += 1
    assert checked > 50


def test_gkr_rejects_wrong_shape(rng):
    leaves, _ = _leaves(rng, [3, 2], [True])
    proof, _, _, _ = _run(leaves)
    with pytest.raises(ProofInvalid, match="shape"):
        gkr_verifier.verify([3, 3], proof, Transcript(b"gkr-test"))
    proof.layers.pop()
    with pytest.raises(ProofInvalid, match="shape"):
        gkr_verifier.verify([3, 2], proof, Transcript(b"gkr-test"))


def test_replay_matches_reference(rng):
    """The verifier's round replay against a direct computation of the same recurrence."""
    from deepprove_cli.field.reference import ext_inv, ext_mul

    k = 4
    claim = rng.integers(0, P, size=4, dtype=np.uint32)
    rounds = rng.integers(0, P, size=(k, 2, 4), dtype=np.uint32)
    rho = rng.integers(0, P, size=(k, 4), dtype=np.uint32)
    rs = rng.integers(0, P, size=(k, 4), dtype=np.uint32)
    got, ok = gkr_verifier.replay_kernel(claim, rounds, rho, rs)
    c = tuple(int(v) for v in claim)
    for j in range(k):
        h0, h2 = [tuple(int(v) for v in e) for e in rounds[j]]
        p = tuple(int(v) for v in rho[j])
        h1 = ext_mul(ext_sub(c, ext_mul(ext_sub((1, 0, 0, 0), p), h0)), ext_inv(p))
        c = ref.poly_ref.interpolate([h0, h1, h2], tuple(int(v) for v in rs[j]))
    assert ok and tuple(int(v) for v in got) == c
    rho[2] = 0
    assert not gkr_verifier.replay_kernel(claim, rounds, rho, rs)[1]
