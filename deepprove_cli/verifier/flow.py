"""The verifier's replay of prover/flow.py: the same plan, the same transcript, the proof bytes read in
order under shapes the verifier derives itself. Imports no prover kernel."""

from __future__ import annotations

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.io.binary import Reader
from deepprove_cli.nodeproofs.claims import ClaimPool
from deepprove_cli.nodeproofs.statement import TRANSCRIPT_LABEL, absorb_weights
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.transcript import Transcript


def _where(nl, op) -> str:
    return f"node {nl.node.name} ({nl.node.kind}), {op.label}"


def verify_node(nl, pool: ClaimPool, r: Reader, transcript) -> None:
    from deepprove_cli.relations.claims import reduce_shape, verify_reduce

    for op in reversed(nl.ops):
        try:
            if op.defines is None:
                if op.constraint:
                    pool.add(op.verify(None, RelationProof.read(r, op.proof_shape()), transcript))
                continue
            claims = pool.take(op.defines)
            if not claims:
                continue
            if len(claims) > op.each_claim_max:
                shape = reduce_shape(len(claims), claims[0].num_vars)
                claims = [verify_reduce(claims, RelationProof.read(r, shape), transcript)]
            for claim in claims:
                pool.add(op.verify(claim, RelationProof.read(r, op.proof_shape()), transcript))
        except ProofInvalid as e:
            raise ProofInvalid(f"{_where(nl, op)}: {e.message}") from None
        except InputError as e:
            raise ProofInvalid(f"{_where(nl, op)}: {e.message}") from None


def verify_plan(plan, statement, key, proof_bytes: bytes) -> dict:
    """Replay the proof; returns {"openings": [(what, Security)]} or raises ProofInvalid."""
    from deepprove_cli.lookup.layout import Layout, LookupShape
    from deepprove_cli.lookup.proof import LookupProof
    from deepprove_cli.lookup.verifier import verify as verify_lookups
    from deepprove_cli.pcs import Commitment, security_of_commitment

    tr = Transcript(TRANSCRIPT_LABEL)
    statement.absorb(tr)
    com_w = key.weight_commitment
    absorb_weights(tr, com_w)
    r = Reader(bytes(proof_bytes), "sequence proof")
    num_vars = plan.advice_num_vars()
    com = None
    if num_vars:
        try:
            com = Commitment.for_params(r.digest("advice root"), num_vars, statement.advice_pcs)
        except ValueError as e:
            raise ProofInvalid(f"advice commitment: {e}") from None
        com.absorb(tr)
    pool = ClaimPool(plan)
    if plan.lookups:
        shapes = [LookupShape(plan.table_index[u.table], 1 << plan.tensors[u.columns[0]].layout.num_vars)
                  for u in plan.lookups]
        try:
            layout = Layout(plan.tables, shapes)
        except InputError as e:
            raise ProofInvalid(f"lookup argument: {e.message}") from None
        try:
            claims = verify_lookups(plan.tables, shapes, LookupProof.read(r, layout), tr)
        except ProofInvalid as e:
            raise ProofInvalid(f"lookup argument: {e.message}") from None
        for k, cl in enumerate(claims.lookups):
            pool.add(plan.column_claims(k, cl.point, cl.values))
        for t, cl in enumerate(claims.multiplicities):
            pool.add_multiplicity(t, cl.point, cl.values[0])
    for nl in reversed(plan.nodes):
        verify_node(nl, pool, r, tr)
    pool.finish()
    openings = []
    if com is not None:
        claims = pool.advice_claims()
        _open(com, claims, r, tr, statement.advice_pcs, "advice opening")
        openings.append(("advice", security_of_commitment(statement.advice_pcs, com, len(claims))))
    wclaims = pool.weight_claims(list(key.weight_names))
    if wclaims:
        if com_w is None or statement.weight_pcs is None:
            raise ProofInvalid("the proof needs the weight commitment, which the key or the statement lacks")
        _open(com_w, wclaims, r, tr, statement.weight_pcs, "weight opening")
        openings.append(("weights", security_of_commitment(statement.weight_pcs, com_w, len(wclaims))))
    r.finish()
    for what, sec in openings:
        if sec.conjectured < statement.target_bits:
            raise ProofInvalid(f"{what} opening: {sec.conjectured:.1f} bits of security, below the "
                               f"{statement.target_bits}-bit target")
    return {"openings": openings}


def _open(com, claims, r, tr, params, what: str) -> None:
    """Read one opening proof from the stream under the verifier's shape and check it."""
    from deepprove_cli.pcs import OpeningProof, ProofShape, verify_opening

    if com.mismatch(params):
        raise ProofInvalid(f"{what}: the commitment's {com.mismatch(params)} differ from the statement's parameters")
    try:
        proof = OpeningProof.read(r, ProofShape.of(com, claims, params))
        verify_opening(com, claims, proof, tr, params)
    except (ProofInvalid, InputError) as e:
        raise ProofInvalid(f"{what}: {e.message}") from None
