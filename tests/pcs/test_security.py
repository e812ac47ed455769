"""The security calculator: the formulas' terms, monotonicity, the defaults' figures."""

import math

import pytest

from deepprove_cli.pcs import DEFAULT_PARAMS, PcsParams, security_bits, security_of
from deepprove_cli.pcs.security import EXT_FIELD_BITS, HASH_BITS


def test_query_terms():
    s = security_bits(rate_bits=2, num_queries=30, grinding_bits=10, num_vars=10)
    assert s.query_conjectured == pytest.approx(2 * 30 + 10)
    assert s.query_proven == pytest.approx(-30 * math.log2((1 + 0.25) / 2) + 10)
    assert s.proven < s.conjectured <= s.query_conjectured


def test_field_terms():
    """Folding a codeword of 2^L positions down to a constant costs sum_j 2^(L-j)/|F| ~ 2^(L+1)/|F|."""
    s = security_bits(rate_bits=1, num_queries=200, grinding_bits=0, num_vars=24)
    assert s.field == pytest.approx(EXT_FIELD_BITS - 26, abs=0.05)
    assert s.conjectured == pytest.approx(s.field, abs=0.01)
    batch = security_bits(rate_bits=1, num_queries=200, grinding_bits=0, num_vars=20, batch_size=16)
    # independent batching coefficients: one D/|F| for the whole batch, whatever its width
    assert batch.field == pytest.approx(EXT_FIELD_BITS - math.log2(3 * 2 ** 21), abs=0.05)
    wide = security_bits(rate_bits=1, num_queries=200, grinding_bits=0, num_vars=20, batch_size=4096)
    assert wide.field == pytest.approx(batch.field)


def test_monotone():
    base = dict(rate_bits=1, num_queries=60, grinding_bits=8, num_vars=16)
    s = security_bits(**base)
    assert security_bits(**dict(base, num_queries=70)).conjectured > s.conjectured
    assert security_bits(**dict(base, grinding_bits=12)).proven > s.proven
    assert security_bits(**dict(base, num_vars=22)).field < s.field
    assert security_bits(**dict(base, batch_size=4)).field < s.field
    assert security_bits(**dict(base, num_claims=3)).field < s.field


def test_hash_cap():
    s = security_bits(rate_bits=4, num_queries=200, grinding_bits=20, num_vars=1)
    assert s.query_conjectured == HASH_BITS


def test_defaults_reach_100_bits_conjectured():
    for n in (0, 10, 16, 20):
        assert security_of(DEFAULT_PARAMS, n).conjectured >= 100, n
    for r in (1, 2, 3):
        p = PcsParams.for_security(100, rate_bits=r)
        assert security_of(p, 16).conjectured >= 100
        assert security_of(p, 16).query_conjectured >= 100


def test_bad_parameters():
    with pytest.raises(ValueError):
        security_bits(rate_bits=0, num_queries=1, grinding_bits=0, num_vars=1)
    with pytest.raises(ValueError):
        PcsParams(num_queries=0)
