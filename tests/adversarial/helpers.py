"""Shared tools of the adversarial tests: seeded byte mutations of serialized proofs and the rule every
verifier must follow on them (reject with ProofInvalid, nothing else escapes, nothing different passes)."""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.reference import P
from deepprove_cli.poly.multilinear import evaluate
from deepprove_cli.relations.layout import TensorLayout

# 32-bit words a mutation writes: field edges (0, 1, p - 1, p) and words that are no field element
EDGE_WORDS = (0, 1, P - 1, P, P + 1, 0x7FFFFFFF, 0xFFFFFFFF)


def mutants(data: bytes, seed: int, count: int):
    """`count` seeded variants of `data`: bit flips, random bytes, truncations, extensions, a 32-bit
    word set to a field edge, and a swap of two 16-byte blocks (two extension elements)."""
    rng = np.random.default_rng(seed)
    data = bytes(data)
    n = len(data)
    for i in range(count):
        b = bytearray(data)
        kind = i % 6
        if kind == 0:
            pos = int(rng.integers(n))
            b[pos] ^= 1 << int(rng.integers(8))
        elif kind == 1:
            b[int(rng.integers(n))] = int(rng.integers(256))
        elif kind == 2:
            b = b[:int(rng.integers(n))]
        elif kind == 3:
            b += rng.integers(0, 256, size=int(rng.integers(1, 40)), dtype=np.uint8).tobytes()
        elif kind == 4:
            pos = 4 * int(rng.integers(max(1, n // 4)))
            b[pos:pos + 4] = int(EDGE_WORDS[int(rng.integers(len(EDGE_WORDS)))]).to_bytes(4, "little")
        else:
            i0, i1 = (16 * int(x) for x in rng.integers(0, max(1, n // 16), size=2))
            b[i0:i0 + 16], b[i1:i1 + 16] = data[i1:i1 + 16], data[i0:i0 + 16]
        yield bytes(b)


def assert_only_invalid(check, data: bytes, seed: int = 0, count: int = 200) -> int:
    """`check(bytes)` parses and verifies (raising ProofInvalid to reject). The honest bytes must pass;
    every different variant must raise ProofInvalid: another exception escaping, or a changed proof
    accepted, fails the test. Returns the number of variants that differed from `data`."""
    check(data)
    changed = 0
    for m in mutants(data, seed, count):
        if m == data:
            check(m)
            continue
        changed += 1
        try:
            check(m)
        except ProofInvalid:
            continue
        except Exception as e:  # noqa: BLE001 - the point: nothing but ProofInvalid may escape
            raise AssertionError(f"{type(e).__name__} escaped on a malformed proof: {e}") from e
        raise AssertionError(f"a changed proof ({len(m)} bytes, honest {len(data)}) was accepted")
    return changed


def accepts(fn, *args, **kw) -> bool:
    """True iff fn returns; False iff it raises ProofInvalid (any other exception propagates)."""
    try:
        fn(*args, **kw)
    except ProofInvalid:
        return False
    return True


def lookup_accepts(tables, lookups, multiplicities) -> bool:
    """The honest logUp prover run on this witness and these multiplicities, unchecked (what a cheating
    prover can always do), then the verifier with the transparent caller's binding and claim checks."""
    from deepprove_cli.lookup import logup, standalone

    proof, _ = logup.prove(tables, lookups, multiplicities, standalone._transcript(lookups, multiplicities))
    return accepts(standalone.verify, tables, lookups, multiplicities, proof.to_bytes())


def bump(e, k: int = 0, by: int = 1) -> np.ndarray:
    """A copy of a uint32 field array with its k-th entry (flattened) moved by `by` (kept canonical)."""
    out = np.array(e, dtype=np.uint32).copy()
    flat = out.reshape(-1)
    flat[k] = (int(flat[k]) + by) % P
    return out


def rand_point(rng, n: int) -> np.ndarray:
    return rng.integers(0, P, size=(n, 4), dtype=np.uint32)


def tensor_eval(values, point) -> np.ndarray:
    """The MLE of the zero-padded tensor `values` (int64 or canonical uint32) at `point`."""
    return evaluate(TensorLayout(np.shape(values)).table(values), point)


def check_tensor_claims(claims, values: dict) -> None:
    """The caller's side of a relation: every leaf claim must hold on the real tensor (else ProofInvalid)."""
    for c in claims:
        if not np.array_equal(tensor_eval(values[c.tensor], c.point), c.value):
            raise ProofInvalid(f"claim on {c.tensor} does not hold")
