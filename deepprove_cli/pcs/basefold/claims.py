"""Evaluation claims on a committed batch: "polynomial k at point z (over its own n_k variables) is v".

Shared by prover and verifier: validation, absorption, and the test for whether the claims already
sit at one point (then the opening skips the point reduction). One point means: every claimed
polynomial is claimed once, and every claim's point is the suffix z[n - n_k:] of the point z of
a largest claimed polynomial (smaller polynomials take the high variables, see layout.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.field.babybear import P
from deepprove_cli.pcs.basefold.layout import BatchLayout

MAX_CLAIMS = 1 << 16


@dataclass(frozen=True)
class Claim:
    poly: int
    point: np.ndarray   # (n_k, 4) uint32
    value: np.ndarray   # (4,) uint32

    @classmethod
    def of(cls, poly: int, point, value) -> "Claim":
        """A claim from a point given as (n, 4) extension or (n,) base elements and an ext/base value."""
        pt = np.asarray(point, dtype=np.int64)
        if pt.ndim == 1:
            pt = np.stack([pt, np.zeros_like(pt), np.zeros_like(pt), np.zeros_like(pt)], axis=1) if pt.size \
                else np.zeros((0, 4), dtype=np.int64)
        v = np.asarray(value, dtype=np.int64).reshape(-1)
        if v.size == 1:
            v = np.array([v[0], 0, 0, 0])
        return cls(int(poly), pt.astype(np.uint32), v.astype(np.uint32))


def check_claims(layout: BatchLayout, claims) -> list[Claim]:
    """The claims as a list, each checked against the shape (a BatchLayout, or a Split for the
    callers' polynomials: anything with `num_vars`); InputError names the bad one."""
    claims = list(claims)
    if not 1 <= len(claims) <= MAX_CLAIMS:
        raise InputError(f"an opening needs 1 to {MAX_CLAIMS} claims, got {len(claims)}")
    for i, c in enumerate(claims):
        if not isinstance(c, Claim):
            raise InputError(f"claim {i}: expected a Claim, got {type(c).__name__}")
        if not 0 <= c.poly < len(layout.num_vars):
            raise InputError(f"claim {i}: polynomial {c.poly} is not in the batch of {len(layout.num_vars)}")
        n = layout.num_vars[c.poly]
        for name, a, shape in (("point", c.point, (n, 4)), ("value", c.value, (4,))):
            if not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != np.uint32:
                a = np.asarray(a)
                raise InputError(f"claim {i}: {name} must be uint32 of shape {shape}, got {a.dtype} {a.shape}")
    # canonical elements: one pass over all of them (thousands of claims), the culprit named after
    if int(np.concatenate([a.reshape(-1) for c in claims for a in (c.point, c.value)]).max()) >= P:
        i, name = next((i, name) for i, c in enumerate(claims) for name, a in (("point", c.point), ("value", c.value))
                       if a.size and int(a.max()) >= P)
        raise InputError(f"claim {i}: {name} has a non-canonical field element")
    return claims


def claimed_polys(claims) -> tuple[int, ...]:
    return tuple(sorted({c.poly for c in claims}))


def absorb_claims(transcript, claims) -> None:
    transcript.absorb_u64("pcs/claims/count", len(claims))
    for c in claims:
        transcript.absorb_u64("pcs/claim/poly", c.poly)
        transcript.absorb_ext("pcs/claim/point", c.point.reshape(-1, 4))
        transcript.absorb_ext("pcs/claim/value", c.value)


def common_point(layout: BatchLayout, claims) -> tuple[np.ndarray, dict] | None:
    """(z, {poly: value}) if the claims sit at one point (module docstring), else None."""
    polys = [c.poly for c in claims]
    if len(set(polys)) != len(polys):
        return None
    top = max(claims, key=lambda c: layout.num_vars[c.poly])
    z = top.point
    n = len(z)
    for c in claims:
        if not np.array_equal(c.point, z[n - len(c.point):]):
            return None
    return z, {c.poly: c.value for c in claims}
