"""Claims on tensors ("T(point) = value") and the reduction of many claims on one tensor to one.

Every relation turns claims on its outputs into claims on its inputs; a tensor read by several
nodes collects several claims at different points. `reduce_claims` merges them: with a challenge
alpha, sum_x W(x) T(x) = sum_i alpha^i v_i for W = sum_i alpha^i eq(r_i, x), proven by one degree-2
sumcheck over T's variables; at its final point s the prover sends T(s) and the verifier checks
W(s) T(s) against the last round (W(s) is k eq evaluations, O(k n)). One claim passes through
untouched (no proof bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.lookup import felt
from deepprove_cli.poly.eq import eq_eval
from deepprove_cli.relations.proof import ProofShape, RelationProof, bind
from deepprove_cli.sumcheck.problem import check_final

LABEL_CLAIMS = "relation/reduce/claims"
LABEL_ALPHA = "relation/reduce/alpha"
LABEL_VALUE = "relation/reduce/value"


@dataclass(frozen=True)
class TensorClaim:
    """tensor's multilinear extension at `point` ((n, 4) ext, the tensor's layout order) is `value` ((4,) ext)."""

    tensor: str
    point: np.ndarray
    value: np.ndarray

    def __post_init__(self):
        pt = np.asarray(self.point)
        val = np.asarray(self.value)
        if pt.ndim != 2 or pt.shape[1] != 4 or pt.dtype != np.uint32:
            raise InputError(f"claim on {self.tensor}: point must be (n, 4) uint32, got {pt.dtype}{pt.shape}")
        if val.shape != (4,) or val.dtype != np.uint32:
            raise InputError(f"claim on {self.tensor}: value must be (4,) uint32, got {val.dtype}{val.shape}")

    @property
    def num_vars(self) -> int:
        return self.point.shape[0]

    def same(self, other: "TensorClaim") -> bool:
        return (self.tensor == other.tensor and np.array_equal(self.point, other.point)
                and np.array_equal(self.value, other.value))


class ClaimSet:
    """Claims accumulated per tensor, in insertion order (so prover and verifier agree on the order)."""

    def __init__(self, claims=()):
        self._by: dict[str, list[TensorClaim]] = {}
        for c in claims:
            self.add(c)

    def add(self, claim: TensorClaim) -> None:
        lst = self._by.setdefault(claim.tensor, [])
        if lst and lst[0].num_vars != claim.num_vars:
            raise InputError(f"claims on {claim.tensor} at points of {lst[0].num_vars} and {claim.num_vars} variables")
        lst.append(claim)

    def extend(self, claims) -> None:
        for c in claims:
            self.add(c)

    def tensors(self) -> list[str]:
        return list(self._by)

    def claims(self, tensor: str) -> list[TensorClaim]:
        return list(self._by.get(tensor, []))

    def pop(self, tensor: str) -> list[TensorClaim]:
        return self._by.pop(tensor, [])

    def __len__(self) -> int:
        return sum(len(v) for v in self._by.values())

    def __iter__(self):
        for lst in self._by.values():
            yield from lst


def _check_group(claims) -> tuple[str, int]:
    claims = list(claims)
    if not claims:
        raise InputError("reduce_claims: no claims")
    names = {c.tensor for c in claims}
    if len(names) != 1:
        raise InputError(f"reduce_claims: claims on several tensors {sorted(names)}")
    nv = {c.num_vars for c in claims}
    if len(nv) != 1:
        raise InputError(f"reduce_claims: points of different lengths {sorted(nv)}")
    return names.pop(), nv.pop()


def reduce_shape(num_claims: int, num_vars: int) -> ProofShape:
    """The proof shape of reducing `num_claims` claims on a tensor of `num_vars` variables."""
    if num_claims <= 1:
        return ProofShape()
    return ProofShape(((num_vars, 2),), 1)


def _start(transcript, claims, name: str, n: int):
    """Bind the claims and draw alpha; the combined claim sum_i alpha^i v_i and the alpha powers."""
    bind(transcript, "reduce_claims", {"tensor": name, "claims": len(claims), "vars": n})
    transcript.absorb_ext(LABEL_CLAIMS, np.stack([np.concatenate([c.point, c.value[None]]) for c in claims])
                          .reshape(-1, 4))
    alpha = transcript.challenge_ext(LABEL_ALPHA)
    powers = felt.powers(alpha, len(claims))
    return felt.dot(powers, [c.value for c in claims]), powers


def _weights_table(claims, powers) -> np.ndarray:
    """W = sum_i alpha^i eq(r_i, .) as a (2^n, 4) ext table (prover side)."""
    from deepprove_cli.field import ext4_vec, vec
    from deepprove_cli.poly.eq import eq_table

    w = ext4_vec.scale(eq_table(claims[0].point), powers[0], check=False)
    for c, a in zip(claims[1:], powers[1:]):
        vec.add(w, ext4_vec.scale(eq_table(c.point), a, check=False), out=w, check=False)
    return w


def prove_reduce(claims, table: np.ndarray, transcript) -> tuple[RelationProof, TensorClaim]:
    """Many claims on one tensor (its padded base or ext table) -> (proof, one claim at a fresh point)."""
    from deepprove_cli.sumcheck.prover import prove
    from deepprove_cli.sumcheck.problem import SumcheckProblem

    claims = list(claims)
    name, n = _check_group(claims)
    proof = RelationProof()
    if len(claims) == 1:
        return proof, claims[0]
    claim, powers = _start(transcript, claims, name, n)
    sc, point, evals = prove(SumcheckProblem([_weights_table(claims, powers), table]), claim, transcript)
    proof.add_sumcheck(sc)
    value = proof.send(transcript, LABEL_VALUE, evals[1])[0]
    return proof, TensorClaim(name, point, value)


def verify_reduce(claims, proof: RelationProof, transcript) -> TensorClaim:
    """The verifier's side of `prove_reduce`: the one claim it leaves (checked by the caller)."""
    claims = list(claims)
    name, n = _check_group(claims)
    cur = proof.cursor(reduce_shape(len(claims), n))
    if len(claims) == 1:
        cur.finish()
        return claims[0]
    claim, powers = _start(transcript, claims, name, n)
    point, expected = cur.sumcheck(claim, n, 2, transcript)
    value = cur.take(transcript, LABEL_VALUE, 1)[0]
    cur.finish()
    weight = felt.dot(powers, [eq_eval(c.point, point) for c in claims])
    check_final(expected, felt.mul(weight, value), f"reduce claims on {name}")
    return TensorClaim(name, point, value)
