"""Polynomial commitments: Basefold over BabyBear (basefold/) and its security calculator (security.py).

The interface, for a batch of multilinear polynomials given as base-field evaluation tables:

    params = PcsParams.for_security(100)          # or DEFAULT_PARAMS
    data = commit([t0, t1, ...], params)          # ProverData; data.commitment goes to the verifier
    proof = open_batch(data, [Claim.of(k, point, value), ...], transcript, params)
    verify_opening(commitment, claims, proof, transcript, params)     # returns, or raises ProofInvalid
    security_of(params, num_vars, batch_size, num_claims)             # Security(conjectured, proven, ...)
    security_of_commitment(params, commitment, num_claims)            # the same for its committed columns

Persistence (the model's weights: committed once, stored with the quantized model, opened by every
proof; basefold/persist.py):

    meta, specs = data.to_arrays(prefix)                  # io.container ArraySpecs (+ meta for the header)
    data = ProverData.from_container(meta, container)     # views of the memory-mapped file, no copy
    stream = commit_stream(polys, params, prefix)         # commit while writing: stream.meta, stream.specs,
                                                          # then stream.commitment (one slab in memory)

`proof.to_bytes()` / `OpeningProof.read(reader, ProofShape.of(commitment, claims, params))` put it on
the wire. Polynomials of more than `params.max_vars` variables (20 at the default rate) are committed
as chunks on their high variables (basefold/split.py) so that every size keeps the security target,
and many small ones (8 or more below max_vars) share packed columns (basefold/pack.py) so that a batch
of thousands costs about what one polynomial of their total size costs; both are invisible to
callers: indices and claims always refer to the polynomials as given. The prover functions import
their kernels on first call; importing this package, or the verifier, compiles nothing and pulls in
no prover kernel.
"""

from deepprove_cli.pcs.basefold.claims import Claim
from deepprove_cli.pcs.basefold.commitment import Commitment
from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS, PcsParams
from deepprove_cli.pcs.basefold.proof import OpeningProof, ProofShape
from deepprove_cli.pcs.security import Security, security_bits, security_of, security_of_commitment

__all__ = ["Claim", "Commitment", "DEFAULT_PARAMS", "OpeningProof", "PcsParams", "ProofShape", "ProverData",
           "Security", "commit", "commit_stream", "open_batch", "security_bits", "security_of",
           "security_of_commitment", "verify_opening"]


def __getattr__(name: str):
    """ProverData on first use (its module imports the prover's kernels)."""
    if name == "ProverData":
        from deepprove_cli.pcs.basefold.commit_phase import ProverData

        return ProverData
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def commit(polys, params: PcsParams = DEFAULT_PARAMS):
    """Commit to base-field evaluation tables (any sizes) in one batch: returns the ProverData."""
    from deepprove_cli.pcs.basefold.commit_phase import commit as _commit

    return _commit(polys, params)


def commit_stream(polys, params: PcsParams = DEFAULT_PARAMS, prefix: str = "pcs/"):
    """Commit while writing the prover data to a container (basefold/persist.CommitStream)."""
    from deepprove_cli.pcs.basefold.persist import commit_stream as _stream

    return _stream(polys, params, prefix)


def open_batch(data, claims, transcript, params: PcsParams = DEFAULT_PARAMS) -> OpeningProof:
    """Prove every claim on the batch in one proof."""
    from deepprove_cli.pcs.basefold.prover import open_batch as _open

    return _open(data, claims, transcript, params)


def verify_opening(commitment, claims, proof, transcript, params: PcsParams = DEFAULT_PARAMS) -> None:
    """Check an opening proof (bytes or OpeningProof); raises ProofInvalid naming the failed check."""
    from deepprove_cli.pcs.basefold.verifier import verify_opening as _verify

    _verify(commitment, claims, proof, transcript, params)
