"""Shared builders for the relation tests: transcripts, random tensors and points, true evaluations."""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.reference import P
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.layout import TensorLayout
from deepprove_cli.transcript import Transcript


def transcript(seed: bytes = b"rel") -> Transcript:
    return Transcript(b"relations-test:" + seed)


def ints(rng, shape, lo=-50, hi=50) -> np.ndarray:
    return rng.integers(lo, hi, size=shape, dtype=np.int64)


def point(rng, n: int) -> np.ndarray:
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


def true_value(values, pt) -> np.ndarray:
    """The MLE of the zero-padded integer tensor `values` at `pt` (evaluated directly)."""
    lay = TensorLayout(np.shape(values))
    return evaluate(lay.table(values), pt)


def true_claim(name: str, values, pt) -> TensorClaim:
    return TensorClaim(name, np.asarray(pt, dtype=np.uint32), true_value(values, pt))


def random_claim(rng, name: str, values) -> TensorClaim:
    return true_claim(name, values, point(rng, TensorLayout(np.shape(values)).num_vars))


def bump(e, k: int = 0, by: int = 1) -> np.ndarray:
    """An ext element with coefficient k moved by `by`."""
    out = np.array(e, dtype=np.uint32).copy()
    out[k] = (int(out[k]) + by) % P
    return out


def holds(claim: TensorClaim, values) -> bool:
    """The caller's check of an output claim: does the real tensor evaluate to the claimed value?"""
    return np.array_equal(true_value(values, claim.point), claim.value)


def rejects(fn, *args, **kw) -> bool:
    try:
        fn(*args, **kw)
    except ProofInvalid:
        return True
    return False


def tampered_proofs(proof):
    """Copies of a relation proof with one thing changed: each prover value, then one round value
    per round of each sumcheck."""
    from deepprove_cli.relations.proof import RelationProof
    from deepprove_cli.sumcheck.proof import SumcheckProof

    for i in range(len(proof.values)):
        vals = list(proof.values)
        vals[i] = bump(vals[i], i % 4)
        yield RelationProof(list(proof.sumchecks), vals)
    for k, sc in enumerate(proof.sumchecks):
        for j in range(sc.num_vars):
            r = sc.round_evals.copy()
            r[j, j % sc.degree, j % 4] = (int(r[j, j % sc.degree, j % 4]) + 1) % P
            scs = list(proof.sumchecks)
            scs[k] = SumcheckProof(r)
            yield RelationProof(scs, list(proof.values))
