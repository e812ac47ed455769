"""Pinned proofs: the sha256 of the proof bytes (and of the commitment) for fixed inputs.

A change here means the proof format, the transcript schedule or a kernel's output changed; update
the digests only on purpose (and bump the proof version if the format changed)."""

import dataclasses
import hashlib

import numpy as np

from deepprove_cli.field.babybear import P
from deepprove_cli.pcs.basefold.params import PcsParams

from .helpers import prove, verify

PARAMS = PcsParams(rate_bits=1, arity_bits=3, num_queries=16, grinding_bits=4, final_vars=2, leaf_bits=2)


def det_table(n, seed):
    i = np.arange(1 << n, dtype=np.uint64)
    return ((i * np.uint64(2654435761) + np.uint64(seed * 97531)) % np.uint64(P)).astype(np.uint32)


def det_point(n, seed):
    i = np.arange(4 * n, dtype=np.uint64).reshape(n, 4)
    return ((i * np.uint64(40503) + np.uint64(seed * 7919 + 1)) % np.uint64(P)).astype(np.uint32)


def _digests(polys, spec, params=PARAMS):
    data, claims, proof = prove(polys, spec, params)
    verify(data.commitment, claims, proof, params)
    return (hashlib.sha256(data.commitment.to_bytes()).hexdigest()[:16],
            hashlib.sha256(proof.to_bytes()).hexdigest()[:16], len(proof.to_bytes()))


def test_golden_single():
    got = _digests([det_table(9, 1)], [(0, det_point(9, 2))])
    assert got == GOLDEN_SINGLE


def test_golden_batch_several_points():
    polys = [det_table(9, 3), det_table(6, 4), det_table(9, 5), det_table(0, 6)]
    spec = [(0, det_point(9, 7)), (1, det_point(6, 8)), (2, det_point(9, 9)), (0, det_point(9, 10)),
            (3, det_point(0, 11))]
    got = _digests(polys, spec)
    assert got == GOLDEN_BATCH


def test_golden_split():
    """A polynomial above max_vars (8 chunks) beside a small one, at two points."""
    polys = [det_table(9, 12), det_table(4, 13)]
    spec = [(0, det_point(9, 14)), (1, det_point(4, 15)), (0, det_point(9, 16))]
    got = _digests(polys, spec, dataclasses.replace(PARAMS, max_vars=6))
    assert got == GOLDEN_SPLIT


GOLDEN_SINGLE = ('7c368d36ed566a32', '628e692a9d6bafc9', 5057)
GOLDEN_BATCH = ('fa2a9c484d0f93f7', '86868cbd2308663a', 6249)
GOLDEN_SPLIT = ('83b5fa876a03b7e6', 'ac77f01a771693b1', 3517)
