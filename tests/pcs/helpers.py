"""Shared set-up for the Basefold tests: random batches, honest claims, prove / verify round trips."""

import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.commit_phase import commit
from deepprove_cli.pcs.basefold.params import PcsParams
from deepprove_cli.pcs.basefold.prover import open_batch
from deepprove_cli.pcs.basefold.verifier import verify_opening
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.transcript import Transcript

SMALL = PcsParams(rate_bits=1, arity_bits=2, num_queries=12, grinding_bits=2, final_vars=2, leaf_bits=1)


def rand(rng, shape):
    """Uniform canonical elements."""
    return rng.integers(0, P, size=shape, dtype=np.uint32)


def tup(a):
    """An (n, 4) array as a list of 4-tuples of ints (the references' form)."""
    return [tuple(int(v) for v in row) for row in np.asarray(a).reshape(-1, 4)]


def one(a):
    """One extension element as a 4-tuple of ints."""
    return tuple(int(v) for v in a)


def transcript():
    return Transcript(b"pcs-test")


def point(rng, n):
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


def tables(rng, sizes):
    return [rng.integers(0, P, size=1 << n, dtype=np.uint32) for n in sizes]


def honest_claims(polys, spec):
    """[(poly, point)] -> Claims with the true values."""
    return [Claim(k, pt, evaluate(polys[k], pt)) for k, pt in spec]


def prove(polys, spec, params=SMALL):
    """Commit, claim honestly, open. Returns (data, claims, proof)."""
    data = commit(polys, params)
    claims = honest_claims(polys, spec)
    return data, claims, open_batch(data, claims, transcript(), params)


def verify(commitment, claims, proof, params=SMALL):
    verify_opening(commitment, claims, proof, transcript(), params)
