"""Soundness review of the node-proof layer and the sequence verifier (nodeproofs/, prover/, verifier/).

The verifier must take every public fact from ITS key, never from the proof: each public array (weights,
biases, multipliers, embedding rows in clear), every entry of every lookup table (also those no lookup
hits: their multiplicity is zero, but the table's MLE still enters the argument) and every semantic
parameter of the graph. Each test below keeps the statement (same model id, hence the same transcript)
and changes one such fact in the verifier's key only: the honest proof must then be rejected with
ProofInvalid (a key that still accepts it would mean the verifier never looked at that fact). A cheating
prover that feeds another token's embedding row (public table, and committed table selected by id) is
rejected too.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.prover import prove_sequence
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.adversarial.helpers import accepts
from tests.prover.hand_models import HandModel, greedy, mlp_model

PROMPT = [1, 2]  # the prompt of the cheating helpers borrowed from tests.prover.test_rope_proof


@pytest.fixture(scope="module")
def case():
    m = mlp_model()
    toks = greedy(m, PROMPT, 3)
    b = prove_sequence(m, None, toks, len(PROMPT))
    assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid
    return m, toks, b


def _with(m, graph=None, arrays=None) -> HandModel:
    """The model with another graph or arrays, under the SAME model id (content_digest)."""
    return HandModel(graph if graph is not None else m.graph, arrays if arrays is not None else m.arrays,
                     m.tables, m.config, m.content_digest)


def _rejects(key, b) -> bool:
    return not accepts(verify_sequence, key, b.statement, b.proof_bytes)


def test_every_public_array_is_read(case):
    """One entry of each array in clear changed by one (for the embedding table: a row the tokens select)."""
    m, toks, b = case
    ids = toks[:-1]
    for name, a in m.arrays.items():
        for pos in ([(ids[0], 0), (ids[-1], a.shape[1] - 1)] if name == "embed.table"
                    else [(0,) * a.ndim, tuple(d - 1 for d in a.shape)]):
            arrays = {k: np.array(v, copy=True) for k, v in m.arrays.items()}
            arrays[name][pos] += 1
            assert _rejects(key_from_model(_with(m, arrays=arrays)), b), f"{name}{pos} changed, still accepted"


def test_unselected_embedding_rows_are_not_part_of_the_statement(case):
    """The converse (so the test above is about the statement, not any change): a row no token selects
    may differ, the same proof verifies."""
    m, toks, b = case
    unused = sorted(set(range(m.arrays["embed.table"].shape[0])) - set(toks[:-1]))[0]
    arrays = dict(m.arrays, **{"embed.table": np.array(m.arrays["embed.table"], copy=True)})
    arrays["embed.table"][unused] += 3
    assert verify_sequence(key_from_model(_with(m, arrays=arrays)), b.statement, b.proof_bytes).valid


def test_every_table_entry_is_read(case):
    """Entries at both ends of each table's domain (no lookup hits them), at x = 0 and in between: the
    logUp denominators carry every entry, whatever its multiplicity."""
    m, toks, b = case
    base = key_from_model(m)
    for name, (values, lo) in base.tables.items():
        n = values.shape[0]
        for idx in sorted({0, n - 1, n // 3, min(max(-lo, 0), n - 1)}):
            v = np.array(values, copy=True)
            v[idx] += 1
            key = replace(base, tables=dict(base.tables, **{name: (v, lo)}))
            assert _rejects(key, b), f"table {name}[{idx}] changed, still accepted"


def _node(g, name):
    return next(n for n in g.nodes if n.name == name)


# (node, what changes): each changes the integers the graph computes (bounds are not semantics and a
# reshape to another view of the same table is not either, so neither appears here)
GRAPH_CHANGES = {
    "requant k": ("up_q", lambda n: n.params.update(k=n.params["k"] + 1)),
    "requant clamp_j": ("up_q", lambda n: n.params.update(clamp_j=n.params["clamp_j"] + 1)),
    "requant scalar m": ("gate_q", lambda n: n.params.update(m=n.params["m"] + 1)),
    "requant limb cut s": ("gate_q", lambda n: n.params.update(s=n.params["s"] - 1)),
    "requant limb form s_hi": ("down_q", lambda n: n.params.update(s_hi=n.params["s_hi"] + 1)),
    "requant limb_shift": ("down_q", lambda n: n.params.update(limb_shift=n.params["limb_shift"] - 1)),
    "limbs shift": ("gate_l", lambda n: n.params.update(shift=n.params["shift"] + 1)),
    "add clamp_j": ("resid", lambda n: n.params.update(clamp_j=n.params["clamp_j"] - 1)),
    "embedding of positions": ("embed", lambda n: n.params.update(source="positions")),
    "lookup reads another tensor": ("act", lambda n: n.inputs.__setitem__(0, "up")),
    "mul reads another tensor": ("gate", lambda n: n.inputs.__setitem__(1, "act")),
    "residual branch": ("resid", lambda n: n.inputs.__setitem__(1, "embed")),
    "requant without its bias": ("up_q", lambda n: n.arrays.pop("bias")),
    "another clamp table": ("resid", lambda n: n.tables.update(clamp="clamp_a")),
}


@pytest.mark.parametrize("change", sorted(GRAPH_CHANGES))
def test_graph_parameters_are_read(case, change):
    m, toks, b = case
    name, edit = GRAPH_CHANGES[change]
    g = copy.deepcopy(m.graph)
    edit(_node(g, name))
    assert _rejects(key_from_model(_with(m, graph=g)), b)


def _cheat_embedding_row(m, toks, weights=None):
    """A prover whose embedding output row 1 is another token's row, everything after it consistent,
    the statement's tokens the cheated witness's own greedy choices."""
    from tests.prover.test_rope_proof import cheat_with, cheated_tokens

    table = np.asarray(m.arrays["embed.table"], np.int64)

    def tamper(op, new, values):
        if "embed" in new:
            row = new["embed"][1]
            other = next(r for r in table if not np.array_equal(r, row))
            new["embed"][1] = other

    cheated = cheated_tokens(m, len(toks) - len(PROMPT), tamper, weights)
    return cheat_with(m, cheated, tamper, weights)


def test_public_embedding_row_of_another_token(case):
    m, toks, _ = case
    st, proof = _cheat_embedding_row(m, toks)
    with pytest.raises(ProofInvalid, match="node embed "):
        verify_sequence(key_from_model(m), st, proof)


def test_committed_embedding_row_of_another_token(case):
    """The same cheat against a committed table (the Select relation, opened with the weights)."""
    from tests.prover.test_rope_proof import committed

    m, toks, _ = case
    weights = committed(m, ["embed.table"])
    st, proof = _cheat_embedding_row(m, toks, weights)
    with pytest.raises(ProofInvalid, match="embed|weight opening"):
        verify_sequence(key_from_model(m, weights), st, proof)
