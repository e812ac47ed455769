"""Layered GKR for a binary tree of fractions: proves the root of sum_i p_i / q_i (logUp-GKR's core).

Tree (child bit = HIGHEST variable, so children are the two contiguous halves, free views):
layer n holds the leaves p, q (2^n entries); layer k - 1 from layer k with h = 2^(k-1):
    p'[i] = p[i] q[i + h] + p[i + h] q[i],   q'[i] = q[i] q[i + h]
so p'/q' = p[i]/q[i] + p[i+h]/q[i+h] and the root p_0 / q_0 is the sum of all leaf fractions.

Protocol, root to leaves (transcript labels in quotes):
- absorb the root (p_0, q_0) ("gkr/root"); the claim point is empty, claims v_p = p_0, v_q = q_0.
- layer k -> k + 1 (claim point r of k coordinates): lambda ("gkr/lambda"); a sumcheck of
  sum_x eq(r, x) [p0 q1 + q0 (p1 + lambda q1)] = v_p + lambda v_q with p0, p1, q0, q1 the halves of
  layer k + 1 (eq_prover, kernel `ab_cd`; degree 3); send p0, p1, q0, q1 at the sumcheck point s
  ("gkr/layer-evals"); the verifier checks them against the sumcheck's expected value; mu
  ("gkr/mu"); the next point is (s, mu) (mu binds the new highest variable), the next claims
  v_p = p0 + mu (p1 - p0), v_q = q0 + mu (q1 - q0).
- the verifier ends with a point of n coordinates and claims on the leaves' multilinear extensions,
  which the caller checks (openings of committed columns, succinct tables, ...).

Proof: per layer k = 0..n-1, k * 3 round values then 4 evaluations (16 bytes each); no lengths.
This module is the protocol and the verifier (no prover kernels); gkr_prover.py builds the tree
and proves it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import P
from deepprove_cli.io.binary import Reader, Writer
from deepprove_cli.sumcheck.problem import check_final, eadd, emul, eq_final_value, esub, to_ext
from deepprove_cli.sumcheck.proof import SumcheckProof
from deepprove_cli.sumcheck.verifier import verify

LABEL_ROOT = "gkr/root"
LABEL_LAMBDA = "gkr/lambda"
LABEL_EVALS = "gkr/layer-evals"
LABEL_MU = "gkr/mu"
MAX_LAYERS = 40

# G = A B + C D with (A, B, C, D) = (p0, q1, q0, p1 + lambda q1): tables 0..3 in that order
TERMS = [(1, [0, 1]), (1, [2, 3])]


@dataclass
class FractionProof:
    """Per layer k = 0..n-1: the sumcheck (k rounds of degree 3) and (p0, p1, q0, q1) at its point."""

    sumchecks: list[SumcheckProof]
    evals: list[np.ndarray]

    def write(self, w: Writer) -> None:
        for sc, ev in zip(self.sumchecks, self.evals):
            sc.write(w)
            w.ext_array(ev)

    @classmethod
    def read(cls, r: Reader, num_vars: int) -> "FractionProof":
        if not 0 <= num_vars <= MAX_LAYERS:
            raise ValueError(f"fraction tree of {num_vars} layers")
        scs, evs = [], []
        for k in range(num_vars):
            scs.append(SumcheckProof.read(r, k, 3))
            evs.append(r.ext_array(4, "gkr layer evaluations"))
        return cls(scs, evs)


def next_point(s: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """The next layer's point: the sumcheck point, then mu for the new highest variable."""
    return np.concatenate([s.reshape(-1, 4), mu.reshape(1, 4)])


def layer_step(ev: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p0 + mu (p1 - p0), q0 + mu (q1 - q0)) from ev = (p0, p1, q0, q1)."""
    p0, p1, q0, q1 = ev
    return eadd(p0, emul(mu, esub(p1, p0))), eadd(q0, emul(mu, esub(q1, q0)))


def verify_fractions(root, num_vars: int, proof: FractionProof, transcript):
    """Replay the fraction tree from its root (p_0, q_0). Returns (leaf point (n, 4), expected p(point),
    expected q(point)); raises ProofInvalid when a layer's evaluations do not match its sumcheck."""
    if len(proof.sumchecks) != num_vars or len(proof.evals) != num_vars:
        raise ProofInvalid(f"gkr: {len(proof.sumchecks)} layers, expected {num_vars}")
    vp, vq = to_ext(root[0]), to_ext(root[1])
    transcript.absorb_ext(LABEL_ROOT, np.stack([vp, vq]))
    point = np.zeros((0, 4), dtype=np.uint32)
    for k in range(num_vars):
        ev = np.asarray(proof.evals[k], dtype=np.uint32)
        if ev.shape != (4, 4) or int(ev.max(initial=0)) >= P:
            raise ProofInvalid("gkr: malformed layer evaluations")
        lam = np.asarray(transcript.challenge_ext(LABEL_LAMBDA), dtype=np.uint32).reshape(4)
        s, expected = verify(eadd(vp, emul(lam, vq)), k, 3, proof.sumchecks[k], transcript)
        p0, p1, q0, q1 = ev
        tables = np.stack([p0, q1, q0, eadd(p1, emul(lam, q1))])
        check_final(expected, eq_final_value(point, s, TERMS, tables), f"gkr layer {k}")
        transcript.absorb_ext(LABEL_EVALS, ev)
        mu = np.asarray(transcript.challenge_ext(LABEL_MU), dtype=np.uint32).reshape(4)
        point = next_point(s, mu)
        vp, vq = layer_step(ev, mu)
    return point, vp, vq
