"""Reshapes whose padded layouts differ (SmolLM2's 576-wide rows as 3 x 3 x 64 heads): the Relayout public
matrix against its dense reference, a model with such reshapes proven and verified, and a cheater whose
reshaped tensor moves one entry rejected."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import P
from deepprove_cli.graph.elementwise import Reshape
from deepprove_cli.graph.linear import Einsum, Embedding
from deepprove_cli.graph.node import Store
from deepprove_cli.graph.output import Argmax
from deepprove_cli.graph.program import Graph
from deepprove_cli.model.qtables import TableSet
from deepprove_cli.nodeproofs.ops import same_padded_table
from deepprove_cli.prover import prove_sequence
from deepprove_cli.relations.public import Dense, Relayout
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import HandModel, greedy
from tests.prover.test_cheating import cheat, cheated_greedy, PROMPT


@pytest.mark.parametrize("a, b", [((12,), (3, 4)), ((6,), (2, 3)), ((3, 3, 4), (36,)), ((5, 2), (2, 5)), ((4,), (4,))])
def test_relayout_matches_its_dense_table(a, b):
    rel = Relayout(a, b)
    dense = Dense(rel.values())
    rng = np.random.default_rng(len(a) * 7 + len(b))
    for _ in range(3):
        pt = rng.integers(0, P, (rel.layout.num_vars, 4)).astype(np.uint32)
        assert np.array_equal(rel.evaluate(pt), dense.evaluate(pt))


def relayout_model(seed: int = 3, V: int = 24) -> HandModel:
    """embed (V, 12) -> reshape (2, 6) [another padded layout] -> einsum over the heads -> reshape (12)
    -> einsum -> argmax."""
    rng = np.random.default_rng(seed)
    arrays = {"embed.table": rng.integers(-40, 41, (V, 12)), "mix.w": rng.integers(-3, 4, (6, 6)),
              "logits.w": rng.integers(-3, 4, (V, 12))}
    tables = TableSet()
    g = Graph(16, {"logits": "logits", "argmax": "argmax"})
    st = Store(arrays, tables)
    for node in [Embedding("embed", [], {"source": "tokens"}, {"table": "embed.table"}),
                 Reshape("heads", ["embed"], {"shape": [2, 6]}),
                 Einsum("mix", ["heads"], {"spec": "thk,ok->tho"}, {"w": "mix.w"}),
                 Reshape("flat", ["mix"], {"shape": [12]}),
                 Einsum("logits", ["flat"], {"spec": "tk,ok->to"}, {"w": "logits.w"}),
                 Argmax("argmax", ["logits"])]:
        g.add(node, st)
    from types import SimpleNamespace
    return HandModel(g, arrays, tables, SimpleNamespace(n_vocab=V))


def test_model_with_relayouts_proves_and_verifies():
    assert not same_padded_table((5, 12), (5, 2, 6))
    m = relayout_model()
    toks = greedy(m, PROMPT, 2)
    b = prove_sequence(m, None, toks, len(PROMPT))
    assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid
    assert b.sizes["node/reshape"] > 0  # the relayouts are proven, not aliased


def test_reshape_that_moves_an_entry_is_rejected():
    m = relayout_model()

    def tamper(op, new, values):
        if op.label == "relayout heads":
            h = new["heads"]
            h[1, 0, 1], h[1, 1, 0] = h[1, 1, 0], h[1, 0, 1]
            if h[1, 0, 1] == h[1, 1, 0]:
                h[1, 0, 1] += 1

    st, proof = cheat(m, cheated_greedy(m, 2, tamper), tamper)
    with pytest.raises(ProofInvalid):
        verify_sequence(key_from_model(m), st, proof)
