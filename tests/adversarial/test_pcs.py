"""Basefold under attack on random batch shapes: mixed sizes (0 variables, unclaimed larger columns,
polynomials split above max_vars), one point or several, duplicate claims. For every shape the
honest opening verifies and each of these is rejected:

- a false value on one claim (the prover runs its honest protocol on it);
- a prover whose sumchecks run on other tables (claims true for them) while its queries open the
  committed codewords: the core Basefold link between the sumcheck and the commitment;
- two claims on one polynomial at one point whose values are moved in opposite directions (a
  batching that summed the claims with equal coefficients would miss it);
- the claims reordered or moved to another polynomial of the same size.
"""

import dataclasses

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.reference import P
from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.commit_phase import commit
from deepprove_cli.pcs.basefold.params import PcsParams
from deepprove_cli.pcs.basefold.prover import open_batch
from deepprove_cli.pcs.basefold.verifier import verify_opening
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.transcript import Transcript
from tests.adversarial.helpers import accepts, bump, rand_point

TRIALS = 40


def _accepts(data, claims, params) -> bool:
    """Open with the (possibly cheating) prover data and verify against the real commitment."""
    proof = open_batch(data, claims, Transcript(b"adv-pcs"), params).to_bytes()
    return accepts(verify_opening, data.commitment, claims, proof, Transcript(b"adv-pcs"), params)


def _random_case(rng):
    params = PcsParams(rate_bits=int(rng.integers(1, 3)), arity_bits=int(rng.integers(1, 4)), num_queries=8,
                       grinding_bits=1, final_vars=int(rng.integers(0, 4)), max_vars=int(rng.integers(3, 7)))
    sizes = [int(rng.integers(0, 9)) for _ in range(int(rng.integers(1, 5)))]
    polys = [rng.integers(0, P, size=1 << n, dtype=np.uint32) for n in sizes]
    z = rand_point(rng, max(sizes))
    spec = []
    for _ in range(int(rng.integers(1, 5))):
        k = int(rng.integers(len(sizes)))
        n = sizes[k]
        spec.append((k, z[len(z) - n:] if rng.random() < 0.5 else rand_point(rng, n)))
    return params, polys, spec


def _claims(polys, spec):
    return [Claim(k, pt, evaluate(polys[k], pt)) for k, pt in spec]


@pytest.mark.parametrize("seed", range(TRIALS))
def test_random_batch_shapes(seed):
    rng = np.random.default_rng(1000 + seed)
    params, polys, spec = _random_case(rng)
    data = commit(polys, params)
    claims = _claims(polys, spec)
    assert _accepts(data, claims, params), "honest opening rejected"

    i = int(rng.integers(len(claims)))
    false = list(claims)
    false[i] = Claim(claims[i].poly, claims[i].point, bump(claims[i].value, int(rng.integers(4))))
    assert not _accepts(data, false, params), "false claimed value accepted"

    other = [p.copy() for p in polys]
    k = claims[i].poly
    other[k][int(rng.integers(other[k].size))] ^= 1
    swapped = dataclasses.replace(data, tables=commit(other, params).tables)  # all but the tables committed
    assert not _accepts(swapped, _claims(other, spec), params), "sumcheck on other tables accepted"


def test_duplicate_claims_with_compensating_values():
    rng = np.random.default_rng(5)
    params = PcsParams(rate_bits=1, arity_bits=2, num_queries=8, grinding_bits=1, final_vars=1, max_vars=6)
    polys = [rng.integers(0, P, size=1 << n, dtype=np.uint32) for n in (6, 6, 3)]
    z = rand_point(rng, 6)
    data = commit(polys, params)
    claims = _claims(polys, [(0, z), (0, z), (2, z[3:])])
    assert _accepts(data, claims, params)
    moved = [Claim(0, z, bump(claims[0].value, 0, 5)), Claim(0, z, bump(claims[1].value, 0, -5)), claims[2]]
    assert not _accepts(data, moved, params)


def test_claims_moved_between_polynomials():
    rng = np.random.default_rng(6)
    params = PcsParams(rate_bits=1, arity_bits=2, num_queries=8, grinding_bits=1, final_vars=1, max_vars=6)
    polys = [rng.integers(0, P, size=1 << 5, dtype=np.uint32) for _ in range(3)]
    z = rand_point(rng, 5)
    data = commit(polys, params)
    claims = _claims(polys, [(0, z), (1, z), (2, rand_point(rng, 5))])
    assert _accepts(data, claims, params)
    # the values of polynomials 0 and 1 exchanged (both at z): a permutation of honest data
    assert not _accepts(data, [Claim(0, z, claims[1].value), Claim(1, z, claims[0].value), claims[2]], params)
    # an honest claim on polynomial 0 presented as a claim on polynomial 1
    assert not _accepts(data, [Claim(1, z, claims[0].value), claims[2]], params)


def test_opening_for_one_batch_does_not_verify_for_a_same_shape_batch():
    rng = np.random.default_rng(7)
    params = PcsParams(rate_bits=1, arity_bits=2, num_queries=8, grinding_bits=1, final_vars=1, max_vars=6)
    polys = [rng.integers(0, P, size=1 << n, dtype=np.uint32) for n in (5, 2)]
    twin = [p.copy() for p in polys]
    twin[1][0] = (int(twin[1][0]) + 1) % P  # the claimed polynomial 0 is equal in both batches
    data, other = commit(polys, params), commit(twin, params)
    claims = _claims(polys, [(0, rand_point(rng, 5))])
    proof = open_batch(data, claims, Transcript(b"adv-pcs"), params).to_bytes()
    verify_opening(data.commitment, claims, proof, Transcript(b"adv-pcs"), params)
    with pytest.raises(ProofInvalid):
        verify_opening(other.commitment, claims, proof, Transcript(b"adv-pcs"), params)
