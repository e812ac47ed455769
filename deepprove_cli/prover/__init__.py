"""The prover of a generated sequence: `prove_sequence` (orchestration only; node proofs live in
nodeproofs/, the protocol steps in prover/flow.py, the witness in prover/witness.py).

    bundle = prove_sequence(qmodel, weights, tokens, n_prompt)   # weights: (Commitment, ProverData, names)
    bundle.statement, bundle.proof_bytes, bundle.sizes, bundle.timings

Importing this package compiles nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from deepprove_cli.errors import InputError


@dataclass
class ProofBundle:
    statement: dict          # nodeproofs.statement: model id, prompt / output tokens, T, protocol
    proof_bytes: bytes
    sizes: dict = field(default_factory=dict)     # bytes per proof section
    timings: dict = field(default_factory=dict)   # {"phases": {...}, "node_kinds": {...}} seconds
    sections: list = field(default_factory=list)  # (name, start, end) of every section, in order
    stats: dict = field(default_factory=dict)     # committed elements, lookup rows (per node kind), tables


def weight_params_for(commitment):
    """Opening parameters for a weight commitment: its commit-time shape, queries for the target."""
    from deepprove_cli.nodeproofs.statement import TARGET_BITS
    from deepprove_cli.pcs import PcsParams

    lay = commitment.layout
    p = PcsParams.for_security(TARGET_BITS, rate_bits=lay.rate_bits, arity_bits=lay.arity_bits,
                               leaf_bits=lay.leaf_bits)
    if commitment.mismatch(p):
        p = PcsParams(lay.rate_bits, lay.arity_bits, p.num_queries, p.grinding_bits, p.final_vars,
                      commitment.max_vars, lay.leaf_bits)
    return p


def _split_tokens(tokens, n_prompt: int) -> tuple[list[int], list[int]]:
    toks = [int(t) for t in np.asarray(tokens, dtype=np.int64).reshape(-1)]
    if not 1 <= int(n_prompt) < len(toks):
        raise InputError(f"a proof needs at least one prompt token and one generated token "
                         f"({len(toks)} tokens, {n_prompt} of them the prompt)")
    if min(toks) < 0:
        raise InputError("token ids must be non-negative")
    return toks[:n_prompt], toks[n_prompt:]


def prove_sequence(qmodel, weights, tokens, n_prompt: int, *, params=None, progress=None, model_id=None,
                   weight_params=None) -> ProofBundle:
    """Prove that `qmodel` generates tokens[n_prompt:] greedily after tokens[:n_prompt].

    weights: (Commitment, ProverData, names in polynomial order) of the committed arrays, or None when
    every array travels in clear. params: the advice batch's PcsParams (default pcs.DEFAULT_PARAMS);
    model_id: the statement's model reference (default the model's content digest); progress:
    callback(stage, done, total) with stages witness, commit, lookup, claims, openings."""
    from deepprove_cli.nodeproofs.plan import plan_for
    from deepprove_cli.nodeproofs.statement import Statement
    from deepprove_cli.pcs import DEFAULT_PARAMS
    from deepprove_cli.prover.flow import prove_plan
    from deepprove_cli.prover.memory import return_freed_memory
    from deepprove_cli.prover.resources import check_resources
    from deepprove_cli.prover.witness import forward, to_field_values
    from deepprove_cli.verifier.key import key_from_model

    prompt, outputs = _split_tokens(tokens, n_prompt)
    return_freed_memory()
    key = key_from_model(qmodel, weights, model_id)
    wparams = None
    if weights is not None:
        wparams = weight_params or weight_params_for(weights[0])
        if weights[0].mismatch(wparams):
            raise InputError(f"weight opening parameters differ from the commitment's {weights[0].mismatch(wparams)}")
    statement = Statement(key.model_id, tuple(prompt), tuple(outputs), params or DEFAULT_PARAMS, wparams)
    plan = plan_for(key, statement)
    check_resources(plan, statement.advice_pcs)
    t0 = time.perf_counter()
    witness_kinds: dict = {}
    values, _ = forward(plan, qmodel, witness_kinds, progress)
    values = to_field_values(values)
    t_witness = time.perf_counter() - t0
    proof, sizes, spans, timings, stats = prove_plan(plan, statement, values, weights, progress=progress)
    timings["phases"] = {"witness": t_witness, **timings["phases"]}
    timings["witness_node_kinds"] = witness_kinds
    return ProofBundle(statement.to_json(), proof, sizes, timings, spans, stats)
