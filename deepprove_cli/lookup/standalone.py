"""Complete lookup arguments for tests and benchmarks: the argument plus a caller.

The argument leaves two things to its caller: committing the looked-up columns and the
multiplicities before alpha and beta are drawn, and checking the returned claims. Two callers:

- transparent (`prove`, `verify`): "commits" by absorbing a BLAKE3 digest of every column (binding,
  not succinct) and checks each claim by evaluating the column it names (a verifier that holds the
  witness). Fast; what the argument's own tests use.
- committed (`prove_committed`, `verify_committed`): one Basefold commitment to every zero-padded
  column and multiplicity column (and the outputs of committed tables, which a model commits once
  with its weights), absorbed before the argument; the claims are proven by one batched opening.
  A succinct argument end to end: the verifier sees shapes, the commitment and the proofs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.lookup import logup, verifier
from deepprove_cli.lookup.multiplicity import compute_multiplicities
from deepprove_cli.transcript import Transcript

PROTOCOL = b"dp-lookup-standalone-v1"
PROTOCOL_COMMITTED = b"dp-lookup-committed-v1"
LABEL_WITNESS = "lookup/witness-digest"
LABEL_COMMITMENT = "lookup/witness-commitment"


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


# --- the committed caller (Basefold) ------------------------------------------------------------------


@dataclass
class CommittedProof:
    commitment: object  # pcs.basefold.commitment.Commitment
    argument: bytes     # LookupProof bytes
    opening: bytes      # pcs OpeningProof bytes

    def sizes(self) -> dict[str, int]:
        return {"lookup": len(self.argument), "opening": len(self.opening)}


def _padded(col: np.ndarray) -> np.ndarray:
    size = 1 << (col.shape[0] - 1).bit_length()
    if size == col.shape[0]:
        return col
    out = np.zeros(size, dtype=np.uint32)
    out[:col.shape[0]] = col
    return out


def committed_num_vars(tables, shapes) -> tuple[int, ...]:
    """Variables of each committed polynomial, in batch order: every lookup's columns, every
    table's multiplicities, then the outputs of committed tables."""
    out = [(s.length - 1).bit_length() for s in shapes for _ in range(tables[s.table].arity)]
    out += [t.log_size for t in tables]
    out += [t.log_size for t in tables if t.committed for _ in t.outputs]
    return tuple(out)


def _pcs_claims(tables, claims):
    """The argument's claims as PCS claims on the batch of `committed_num_vars`."""
    from deepprove_cli.pcs.basefold.claims import Claim as PcsClaim

    out, k = [], 0
    for cl in claims.lookups:
        for v in cl.values:
            out.append(PcsClaim(k, cl.point, v))
            k += 1
    for cl in claims.multiplicities:
        out.append(PcsClaim(k, cl.point, cl.values[0]))
        k += 1
    for t, cl in zip(tables, claims.table_outputs):
        for v in (cl.values if cl is not None else ()):
            out.append(PcsClaim(k, cl.point, v))
            k += 1
    return out


def _committed_transcript(commitment) -> Transcript:
    from deepprove_cli.io.binary import Writer

    w = Writer()
    commitment.write(w)
    tr = Transcript(PROTOCOL_COMMITTED)
    tr.absorb_bytes(LABEL_COMMITMENT, w.getvalue())
    return tr


def prove_committed(tables, lookups, multiplicities=None, params=None) -> tuple[CommittedProof, list]:
    """Commit, prove the lookups, open every claim. Returns (proof, multiplicities)."""
    from deepprove_cli.pcs.basefold.commit_phase import commit
    from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS
    from deepprove_cli.pcs.basefold.prover import open_batch

    params = params or DEFAULT_PARAMS
    if multiplicities is None:
        multiplicities = compute_multiplicities(tables, lookups)
    polys = [_padded(c) for lk in lookups for c in lk.columns] + list(multiplicities)
    polys += [c for t in tables if t.committed for c in t.output_columns()]
    data = commit(polys, params)
    tr = _committed_transcript(data.commitment)
    proof, claims = logup.prove(tables, lookups, multiplicities, tr)
    opening = open_batch(data, _pcs_claims(tables, claims), tr, params)
    return CommittedProof(data.commitment, proof.to_bytes(), opening.to_bytes()), multiplicities


def verify_committed(tables, shapes, proof: CommittedProof, params=None):
    """Check the commitment's shape, the argument and the opening of its claims; returns the claims."""
    from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS
    from deepprove_cli.pcs.basefold.verifier import verify_opening

    params = params or DEFAULT_PARAMS
    if tuple(proof.commitment.num_vars) != committed_num_vars(tables, shapes):
        raise ProofInvalid("lookup: the commitment does not hold the expected columns")
    tr = _committed_transcript(proof.commitment)
    claims = verifier.verify(tables, shapes, proof.argument, tr)
    verify_opening(proof.commitment, _pcs_claims(tables, claims), proof.opening, tr, params)
    return claims
