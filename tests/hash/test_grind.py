"""Proof-of-work search and check against a direct oracle computation."""

import blake3 as oracle
import pytest

from deepprove_cli.hash.grind import find_nonce, nonce_ok


def _valid(seed: bytes, bits: int, nonce: int) -> bool:
    lead = int.from_bytes(oracle.blake3(seed + nonce.to_bytes(8, "little")).digest()[:8], "little")
    return lead < 1 << (64 - bits)


@pytest.mark.parametrize("bits", [0, 1, 5, 9])
def test_find_nonce_is_smallest_valid(bits):
    seed = bytes(range(32))
    n = find_nonce(seed, bits)
    assert _valid(seed, bits, n)
    assert not any(_valid(seed, bits, k) for k in range(n))


def test_nonce_ok_matches_oracle_including_high_words():
    seed = bytes(31) + b"\x07"
    for nonce in [0, 1, 2**32 - 1, 2**32, 2**32 + 5, 2**64 - 1]:
        for bits in (0, 1, 2, 3):
            assert nonce_ok(seed, bits, nonce) == _valid(seed, bits, nonce)


def test_search_crosses_batches():
    """14 bits needs more than the first batch for most seeds; the found nonce is still the first."""
    seed = b"\x42" * 32
    n = find_nonce(seed, 14)
    assert n >= 1 << 12  # past the first batch
    assert _valid(seed, 14, n) and nonce_ok(seed, 14, n)
    assert not any(_valid(seed, 14, k) for k in range(n))


def test_bad_seed_rejected():
    with pytest.raises(ValueError):
        nonce_ok(b"short", 1, 0)
