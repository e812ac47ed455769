"""Rope node proofs: every distinct Rope configuration of the tiny llama (interleaved pairs) and gemma3
(NEOX pairs, two frequency bases) graphs proven and verified on random inputs within their bounds, with
the cos/sin tables in clear and committed (selected by position); a cheating prover that rounds the
other way, changes an output or uses another position's cos/sin row is rejected."""

import copy
from types import SimpleNamespace

import numpy as np
import pytest

from deepprove_cli.errors import InputError, ProofInvalid
from deepprove_cli.graph.elementwise import Reshape
from deepprove_cli.graph.linear import Embedding
from deepprove_cli.graph.node import Store
from deepprove_cli.graph.output import Argmax
from deepprove_cli.graph.program import Graph
from deepprove_cli.prover import prove_sequence
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model, weight_table
from tests.prover.hand_models import HandModel, greedy
from tests.prover.test_cheating import cheat

PROMPT = [1, 2]


def config_key(node) -> tuple:
    """What makes two nodes of one kind prove differently (per-site table offsets excluded)."""
    params = tuple(sorted((k, v) for k, v in node.params.items() if k not in ("eps_off", "q_off")))
    return node.kind, params, tuple(sorted(node.arrays)), tuple(sorted(node.tables)), tuple(node.shape)


def distinct_nodes(qm, kind: str) -> list:
    seen, out = set(), []
    for node in qm.graph.nodes:
        if node.kind == kind and config_key(node) not in seen:
            seen.add(config_key(node))
            out.append(node)
    return out


def tiny_model(arch: str, tmp_path_factory):
    from deepprove_cli.model.dpq import load_dpq
    from tests.graph.tiny_models import tiny_paths

    return load_dpq(tiny_paths(arch, str(tmp_path_factory.getbasetemp()))[1])


def mini_model(qm, node, feed: np.ndarray, max_len: int = 16) -> HandModel:
    """embedding(feed rows) -> a copy of `node` -> flatten -> argmax: the node alone, fed by `feed`
    (rows, *input shape) as a token-indexed table."""
    rows = feed.shape[0]
    width = int(np.prod(node.shape))
    if rows < width:
        raise ValueError("the feed needs at least as many rows as the node's output width (the vocabulary)")
    arrays = {n: qm.arrays[n] for n in node.arrays.values()}
    arrays["feed.table"] = feed
    g = Graph(max_len, {"argmax": "argmax"})
    st = Store(arrays, qm.tables)
    g.add(Embedding("feed", [], {"source": "tokens"}, {"table": "feed.table"}), st)
    n = copy.deepcopy(node)
    n.inputs = ["feed"]
    g.add(n, st)
    prev = n.name
    if len(node.shape) != 1:
        g.add(Reshape("flat", [prev], {"shape": [width]}), st)
        prev = "flat"
    g.add(Argmax("argmax", [prev]), st)
    return HandModel(g, arrays, qm.tables, SimpleNamespace(n_vocab=rows))


def uniform_feed(qm, node, seed: int) -> np.ndarray:
    src = qm.graph[node.inputs[0]]
    rows = max(int(np.prod(node.shape)), 8)
    return np.random.default_rng(seed).integers(-src.bound, src.bound + 1, (rows,) + tuple(src.shape))


def prove_and_verify(m, toks, weights=None):
    b = prove_sequence(m, weights, toks, len(PROMPT))
    assert verify_sequence(key_from_model(m, weights), b.statement, b.proof_bytes).valid
    return b


def committed(m, names):
    from deepprove_cli.pcs import DEFAULT_PARAMS, commit

    data = commit([weight_table(m.arrays[n]) for n in names], DEFAULT_PARAMS)
    return data.commitment, data, list(names)


@pytest.mark.parametrize("arch", ["llama", "gemma3"])
def test_real_rope_nodes(arch, tmp_path_factory):
    qm = tiny_model(arch, tmp_path_factory)
    nodes = distinct_nodes(qm, "rope")
    assert len(nodes) >= 2
    seen = set()
    for i, node in enumerate(nodes):
        m = mini_model(qm, node, uniform_feed(qm, node, i))
        toks = greedy(m, PROMPT, 3)
        b = prove_and_verify(m, toks)
        assert b.stats["per_kind"]["rope"]["committed"] > 0
        seen.add(node.params["neox"])
    assert seen == {arch == "gemma3"}


@pytest.mark.parametrize("arch", ["llama", "gemma3"])
def test_rope_committed_tables(arch, tmp_path_factory):
    """cos/sin in the weight commitment (as real models' tables of >= 2^16 entries are): rows selected by
    position with the Select relation, opened against the weights."""
    qm = tiny_model(arch, tmp_path_factory)
    node = distinct_nodes(qm, "rope")[-1]
    m = mini_model(qm, node, uniform_feed(qm, node, 5))
    toks = greedy(m, PROMPT, 2)
    weights = committed(m, [node.arrays["cos"], node.arrays["sin"]])
    b = prove_and_verify(m, toks, weights)
    assert b.sizes.get("opening/weights", 0) > 0


@pytest.fixture(scope="module")
def llama_rope(tmp_path_factory):
    qm = tiny_model("llama", tmp_path_factory)
    node = distinct_nodes(qm, "rope")[0]
    m = mini_model(qm, node, uniform_feed(qm, node, 3))
    return m, node, greedy(m, PROMPT, 3)


def cheated_tokens(m, n: int, tamper, weights=None) -> list[int]:
    """The greedy tokens of the cheater's corrupted witness (so that only the relations can object)."""
    from deepprove_cli.field.babybear import from_field
    from deepprove_cli.nodeproofs.plan import plan_for
    from deepprove_cli.nodeproofs.statement import Statement
    from deepprove_cli.pcs import DEFAULT_PARAMS
    from deepprove_cli.prover.witness import forward

    toks = list(PROMPT)
    logits = [n.inputs[0] for n in m.graph.nodes if n.kind == "argmax"][0]
    for _ in range(n):
        st = Statement("m", tuple(toks[:len(PROMPT)]), tuple(toks[len(PROMPT):]) + (0,), DEFAULT_PARAMS, None)
        plan = plan_for(key_from_model(m, weights), st)
        plan.nodes = [nl for nl in plan.nodes if nl.node.kind != "argmax"]
        vals, _ = forward(plan, m, tamper=tamper)
        toks.append(int(np.argmax(from_field(vals[logits])[-1])))
    return toks


def _rejected(m, tamper, match, weights=None):
    """The tamper must change the witness, and the proof of it must be rejected with `match`."""
    hits = []

    def counted(op, new, values):
        before = {k: np.array(v, copy=True) for k, v in new.items()}
        tamper(op, new, values)
        hits.extend(k for k in new if not np.array_equal(before[k], new[k]))

    toks = cheated_tokens(m, 3, counted, weights)
    assert hits, "the tamper changed nothing"
    st, proof = cheat_with(m, toks, tamper, weights)
    with pytest.raises(ProofInvalid, match=match):
        verify_sequence(key_from_model(m, weights), st, proof)


def cheat_with(m, toks, tamper, weights=None):
    if weights is None:
        return cheat(m, toks, tamper)
    from deepprove_cli.nodeproofs.plan import plan_for
    from deepprove_cli.nodeproofs.statement import Statement
    from deepprove_cli.pcs import DEFAULT_PARAMS
    from deepprove_cli.prover.flow import prove_plan
    from deepprove_cli.prover.witness import forward, to_field_values
    from tests.prover.test_cheating import lenient_multiplicities

    from deepprove_cli.prover import weight_params_for

    key = key_from_model(m, weights)
    st = Statement(key.model_id, tuple(toks[:len(PROMPT)]), tuple(toks[len(PROMPT):]), DEFAULT_PARAMS,
                   weight_params_for(weights[0]))
    plan = plan_for(key, st)
    vals, _ = forward(plan, m, tamper=tamper)
    proof, *_ = prove_plan(plan, st, to_field_values(vals), weights, multiplicities=lenient_multiplicities)
    return st.to_json(), proof


def test_cheating_prover_is_complete(llama_rope):
    m, node, toks = llama_rope
    st, proof = cheat(m, toks, lambda op, new, values: None)
    assert verify_sequence(key_from_model(m), st, proof).valid


def test_rope_rounded_the_other_way(llama_rope):
    m, node, toks = llama_rope
    out = f"{node.name}.out"

    def tamper(op, new, values):
        if out in new:
            new[out][1, 0, 0, 0, 0] += 1       # one output one higher, its remainder 2^F lower
            new[out + ".rem"][1, 0, 0, 0, 0] -= 1 << node.params["frac"]

    _rejected(m, tamper, "lookup argument")


def test_rope_output_off_by_one(llama_rope):
    """The output alone changed (the remainder left honest): the node's relations fail."""
    m, node, toks = llama_rope

    def tamper(op, new, values):
        if node.name in new:
            new[node.name][1, 0, 0, 3] += 1

    _rejected(m, tamper, f"node {node.name} ")


def test_rope_other_position_row(llama_rope):
    """Row t rotated with position t+1's cos/sin (all remainders consistent): the rotation einsum fails."""
    m, node, toks = llama_rope
    cos, sin = (np.asarray(m.arrays[node.arrays[r]], np.int64) for r in ("cos", "sin"))

    def tamper(op, new, values):
        u = f"{node.name}.rot"
        if u in new:
            from deepprove_cli.nodeproofs.rope import rotation_values

            t = 1
            pos = np.arange(len(toks) - 1)
            pos[t] = t + 1
            R = rotation_values(cos[pos], sin[pos], new[u].shape[1:], node.params["frac"], node.params["neox"])
            x = values[f"{node.name}.pairs"]
            new[u][t] = np.einsum("hgkj,kij->hgki", x[t], R[t])

    _rejected(m, tamper, f"node {node.name} .*einsum")


def test_rope_committed_other_position_row(tmp_path_factory):
    qm = tiny_model("gemma3", tmp_path_factory)
    node = distinct_nodes(qm, "rope")[-1]
    m = mini_model(qm, node, uniform_feed(qm, node, 9))
    weights = committed(m, [node.arrays["cos"], node.arrays["sin"]])
    sin_rows = f"{node.name}.sin"

    def tamper(op, new, values):
        if sin_rows in new:
            new[sin_rows][1] = new[sin_rows][0]  # position 1 reads position 0's sin row

    _rejected(m, tamper, f"node {node.name} .*rope sin rows", weights)


def test_rope_refuses_unsupported_layouts():
    from deepprove_cli.nodeproofs.rope import pair_view

    assert pair_view((4, 2, 16), 16, False)[0] == (4, 2, 8, 2)
    assert pair_view((4, 2, 16), 8, True)[0] == (4, 2, 4, 4)
    with pytest.raises(InputError, match="padded layout"):
        pair_view((4, 24), 24, True)
    with pytest.raises(InputError, match="even"):
        pair_view((4, 16), 7, False)
