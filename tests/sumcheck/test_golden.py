"""Golden proofs: the exact bytes of fixed proofs (a change here is a proof-format change)."""

import hashlib

import numpy as np

from deepprove_cli.field.reference import P
from deepprove_cli.sumcheck import prover
from deepprove_cli.sumcheck.problem import SumcheckProblem
from tests.sumcheck.helpers import transcript


def _det(n, salt, ext=False):
    i = np.arange((1 << n) * (4 if ext else 1), dtype=np.uint64)
    t = ((i * i * np.uint64(7919) + np.uint64(salt) * i + np.uint64(17)) % np.uint64(P)).astype(np.uint32)
    return t.reshape(-1, 4) if ext else t


def _digest(proof, point, evals) -> str:
    h = hashlib.sha256(proof.to_bytes())
    h.update(point.tobytes())
    h.update(np.concatenate([np.asarray(e).reshape(-1) for e in evals]).astype("<u4").tobytes())
    return h.hexdigest()


def test_golden_product_proof():
    prob = SumcheckProblem([_det(6, 1), _det(6, 2)])
    proof, point, evals = prover.prove(prob, prover.claimed_sum(prob), transcript(b"golden"))
    assert _digest(proof, point, [evals]) == GOLDEN_PRODUCT


def test_golden_batch_proof():
    a = SumcheckProblem([_det(5, 3), _det(5, 4, ext=True), _det(5, 5)], [(2, [0, 1, 2]), (9, [1])])
    b = SumcheckProblem([_det(3, 6)], [(1, [0, 0])])
    claims = [prover.claimed_sum(a), prover.claimed_sum(b)]
    proof, point, evals = prover.prove_batch([a, b], claims, transcript(b"golden"))
    assert _digest(proof, point, evals) == GOLDEN_BATCH


GOLDEN_PRODUCT = "d69b87f3a16ce1ae94a0dc8d245b059f6ec0dca0ec6bd1f1fe62a2797972cf53"
GOLDEN_BATCH = "065197708fb5c997a8aab5673e8982250188d8e0d6101171d12bc28d6b70d934"
