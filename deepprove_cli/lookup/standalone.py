"""A complete lookup argument for tests and benchmarks: the argument plus a caller that binds and
checks the witness itself.

The argument leaves two things to its caller: committing the looked-up columns and the
multiplicities before alpha and beta are drawn, and checking the returned claims. Until the Basefold
PCS lands, this caller "commits" by absorbing a BLAKE3 digest of every column (binding, not succinct)
and checks each claim by evaluating the column it names (a verifier that holds the witness: the
transparent stand-in for an opening). The PCS version replaces `witness_digest` by a commitment and
`check_claims` by openings; the argument itself does not change.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.lookup import logup, verifier
from deepprove_cli.lookup.multiplicity import compute_multiplicities
from deepprove_cli.transcript import Transcript

PROTOCOL = b"dp-lookup-standalone-v1"
LABEL_WITNESS = "lookup/witness-digest"


def witness_digest(lookups, multiplicities) -> bytes:
    """BLAKE3 over every column of every lookup and every multiplicity column, with their lengths."""
    from deepprove_cli.hash.blake3 import blake3

    parts = []
    for lk in lookups:
        for c in lk.columns:
            parts.append(np.uint64(c.shape[0]).tobytes())
            parts.append(np.ascontiguousarray(c, dtype="<u4").tobytes())
    for m in multiplicities:
        parts.append(np.uint64(m.shape[0]).tobytes())
        parts.append(np.ascontiguousarray(m, dtype="<u4").tobytes())
    return blake3(b"".join(parts))


def _transcript(lookups, multiplicities) -> Transcript:
    tr = Transcript(PROTOCOL)
    tr.absorb_digest(LABEL_WITNESS, witness_digest(lookups, multiplicities))
    return tr


def prove(tables, lookups, multiplicities=None):
    """(proof, multiplicities, claims): multiplicities are computed (and the witness validated) if not given."""
    if multiplicities is None:
        multiplicities = compute_multiplicities(tables, lookups)
    proof, claims = logup.prove(tables, lookups, multiplicities, _transcript(lookups, multiplicities))
    return proof, multiplicities, claims


def check_claims(tables, lookups, multiplicities, claims) -> None:
    """The caller's side: every claim must be the true evaluation of the column it names."""
    for i, (lk, cl) in enumerate(zip(lookups, claims.lookups)):
        for c, col in enumerate(lk.columns):
            if not np.array_equal(logup.column_eval(col, cl.point), cl.values[c]):
                raise ProofInvalid(f"lookup {i}: claimed evaluation of column {c} is wrong")
    for t, (m, cl) in enumerate(zip(multiplicities, claims.multiplicities)):
        if not np.array_equal(logup.column_eval(m, cl.point), cl.values[0]):
            raise ProofInvalid(f"table {tables[t].name}: claimed evaluation of the multiplicities is wrong")
    for t, cl in enumerate(claims.table_outputs):
        if cl is None:
            continue
        for c, col in enumerate(tables[t].output_columns()):
            if not np.array_equal(logup.column_eval(col, cl.point), cl.values[c]):
                raise ProofInvalid(f"table {tables[t].name}: claimed evaluation of output {c} is wrong")


def verify(tables, lookups, multiplicities, proof):
    """Verify the argument and check its claims against the witness; returns the claims."""
    claims = verifier.verify(tables, [lk.shape for lk in lookups], proof, _transcript(lookups, multiplicities))
    check_claims(tables, lookups, multiplicities, claims)
    return claims
