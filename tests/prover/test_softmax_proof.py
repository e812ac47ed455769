"""Softmax node proofs: every distinct Softmax configuration of the tiny gpt2, llama and gemma3 graphs
(causal, sliding window) proven and verified inside its attention (scores einsum -> softmax -> .V
einsum) on random inputs within their bounds, with sequences long enough to slide the window and
padded (T not a power of two); a cheating prover is rejected for each value it chooses (cheaters below)."""

import copy
from types import SimpleNamespace

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import from_field
from deepprove_cli.graph.attention import masked_distance
from deepprove_cli.graph.elementwise import Reshape
from deepprove_cli.graph.linear import Einsum, Embedding
from deepprove_cli.graph.node import EvalContext, Store
from deepprove_cli.graph.output import Argmax
from deepprove_cli.graph.program import Graph
from deepprove_cli.nodeproofs.plan import plan_for
from deepprove_cli.nodeproofs.statement import Statement
from deepprove_cli.pcs import DEFAULT_PARAMS
from deepprove_cli.prover import prove_sequence
from deepprove_cli.prover.flow import prove_plan
from deepprove_cli.prover.witness import forward, to_field_values
from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import HandModel, greedy
from tests.prover.test_cheating import lenient_multiplicities
from tests.prover.test_rope_proof import distinct_nodes, tiny_model

PROMPT = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]  # 10 tokens: a window of 8 slides; 12 rows pad to 16


def attention_model(qm, sm, seed: int, k_shift: int = 6, max_len: int = 16, heads=None) -> HandModel:
    """q, k, v (token-indexed random tables within their graph bounds; k narrowed by 2^k_shift so that
    the scores spread over the exp table rather than pick one key) -> the softmax's scores einsum, the
    softmax and its .V einsum (copies; fresh einsums for another (KV, G) `heads`) -> flatten (or a
    selection of entries) -> argmax."""
    g = qm.graph
    scores = g[sm.inputs[0]]
    pv = next(n for n in g.nodes if sm.name in n.inputs)
    srcs = [g[scores.inputs[0]], g[scores.inputs[1]], g[pv.inputs[1]]]
    shapes = [s.shape for s in srcs]
    if heads is not None:
        kv, grp = heads
        shapes = [(kv, grp, shapes[0][-1]), (kv, shapes[1][-1]), (kv, shapes[2][-1])]
        scores = Einsum(scores.name, [], {"spec": scores.params["spec"]})
        pv = Einsum(pv.name, [], dict(pv.params))
    width = int(np.prod(shapes[0][:2])) * shapes[2][-1]
    rows = max(width, 8) if heads is None else 16
    rng = np.random.default_rng(seed)
    arrays, names = {}, []
    gm = Graph(max_len, {"argmax": "argmax"})
    st = Store(arrays, qm.tables)
    for i, (src, shape) in enumerate(zip(srcs, shapes)):
        bound = src.bound >> k_shift if i == 1 else src.bound
        arrays[f"feed{i}.table"] = rng.integers(-bound, bound + 1, (rows,) + tuple(shape))
        names.append(gm.add(Embedding(f"feed{i}", [], {"source": "tokens"}, {"table": f"feed{i}.table"}), st).name)
    for node, inputs in ((scores, names[:2]), (sm, [scores.name]), (pv, [sm.name, names[2]])):
        n = copy.deepcopy(node)
        n.inputs = inputs
        gm.add(n, st)
    if heads is None:
        gm.add(Reshape("flat", [pv.name], {"shape": [width]}), st)
    else:  # a flat view of padded heads is no alias: each logit reads one output entry instead
        w = np.zeros((rows, width), np.int64)
        w[np.arange(rows), rng.choice(width, rows, replace=False)] = 1
        arrays["flat.w"] = w.reshape((rows,) + tuple(shapes[0][:2]) + (shapes[2][-1],))
        gm.add(Einsum("flat", [pv.name], {"spec": "tkgd,vkgd->tv"}, {"w": "flat.w"}), st)
    gm.add(Argmax("argmax", ["flat"]), st)
    return HandModel(gm, arrays, qm.tables, SimpleNamespace(n_vocab=rows))


def probabilities(m, toks) -> np.ndarray:
    sm = next(n for n in m.graph.nodes if n.kind == "softmax")
    return m.graph.run(m.store(), EvalContext.full(toks), [sm.name])[sm.name]


@pytest.mark.parametrize("arch", ["gpt2", "llama", "gemma3"])
def test_real_softmax_nodes(arch, tmp_path_factory):
    qm = tiny_model(arch, tmp_path_factory)
    nodes = distinct_nodes(qm, "softmax")
    windows = set()
    for i, node in enumerate(nodes):
        m = attention_model(qm, node, i)
        toks = greedy(m, PROMPT, 2)
        p = probabilities(m, toks)
        assert ((p > 0).sum(-1) > 1).any() and (p.max(-1) < 1 << node.params["frac_p"]).any()  # spread rows
        b = prove_sequence(m, None, toks, len(PROMPT))
        assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid
        assert b.stats["per_kind"]["softmax"]["committed"] > 0
        windows.add(node.params["window"])
    assert windows == ({8, None} if arch == "gemma3" else {None})


def test_softmax_one_key_dominates(tmp_path_factory):
    """Unnarrowed keys: scores far apart, most rows put all their mass on one key (d beyond the clamp,
    e = 0 on the others): still proven."""
    qm = tiny_model("llama", tmp_path_factory)
    m = attention_model(qm, distinct_nodes(qm, "softmax")[0], 11, k_shift=0)
    toks = greedy(m, PROMPT[:4], 2)
    b = prove_sequence(m, None, toks, 4)
    assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid


def test_softmax_heads_not_a_power_of_two(tmp_path_factory):
    """3 KV heads of 3 queries each (SmolLM2's 9 / 3): padded head dimensions in every per-row tensor,
    the band mask's head indicator and the row sums."""
    qm = tiny_model("gemma3", tmp_path_factory)
    node = next(n for n in distinct_nodes(qm, "softmax") if n.params["window"])
    m = attention_model(qm, node, 4, heads=(3, 3))
    toks = greedy(m, PROMPT, 2)
    assert m.graph[node.name].shape[:2] == (3, 3)
    b = prove_sequence(m, None, toks, len(PROMPT))
    assert verify_sequence(key_from_model(m), b.statement, b.proof_bytes).valid


@pytest.mark.parametrize("shape,window", [((5, 3, 2, 5), 0), ((11, 3, 3, 11), 4), ((4, 1, 4), 2)])
def test_head_band_mask_is_its_table_mle(shape, window):
    from deepprove_cli.nodeproofs.softmax import HeadBandMask
    from deepprove_cli.poly.multilinear import evaluate

    mask = HeadBandMask(shape, window)
    t, s = np.meshgrid(np.arange(shape[0]), np.arange(shape[-1]), indexing="ij")
    want = ((t >= s) & ((t - s < window) if window else True)).astype(np.int64)
    assert np.array_equal(mask.values(), np.broadcast_to(want.reshape((shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],)), shape))
    rng = np.random.default_rng(sum(shape))
    for _ in range(3):
        point = rng.integers(0, 1 << 30, (mask.layout.num_vars, 4)).astype(np.uint32)
        assert np.array_equal(mask.evaluate(point), evaluate(mask.table(), point))


def test_tables_the_argument_needs_are_checked():
    """A key whose pow2 table would admit another shift, or whose exp values would overflow the sum or
    the division's numerator, is refused by the lowering (prover and verifier)."""
    from deepprove_cli.errors import InputError
    from deepprove_cli.nodeproofs.softmax import check_tables

    pow2 = np.where(np.arange(16) <= 14, 1 << np.maximum(14 - np.arange(16), 0), 0)
    exp = np.array([1 << 14, 9000, 0])
    check_tables("sm", pow2, 0, exp, 12, 14, 4095)
    bad = pow2.copy()
    bad[3] *= 2
    for args in [(bad, 0, exp, 4095), (pow2, 1, exp, 4095), (pow2, 0, exp, 4096), (pow2, 0, exp * 2, 8),
                 (pow2, 0, -exp, 8)]:
        with pytest.raises(InputError, match="softmax sm"):
            check_tables("sm", args[0], args[1], args[2], 12, 14, args[3])


# --- cheating provers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gemma_window(tmp_path_factory):
    """The sliding-window softmax (masked keys on both sides of the band) of the tiny gemma3."""
    qm = tiny_model("gemma3", tmp_path_factory)
    node = next(n for n in distinct_nodes(qm, "softmax") if n.params["window"])
    m = attention_model(qm, node, 2)
    return m, node, greedy(m, PROMPT, 2)


def _plan(m, toks):
    key = key_from_model(m)
    st = Statement(key.model_id, tuple(toks[:len(PROMPT)]), tuple(toks[len(PROMPT):]), DEFAULT_PARAMS, None)
    return key, st, plan_for(key, st)


def cheated_tokens(m, tamper) -> list[int]:
    """The greedy tokens of the cheater's corrupted witness (so that only the relations can object)."""
    toks = list(PROMPT)
    for _ in range(2):
        _, _, plan = _plan(m, toks + [0])
        plan.nodes = [nl for nl in plan.nodes if nl.node.kind != "argmax"]
        vals, _ = forward(plan, m, tamper=tamper)
        toks.append(int(np.argmax(from_field(vals["flat"])[-1])))
    return toks


def rejected(m, tamper, match):
    """The tamper must change the witness, and the cheater's proof must be rejected with `match`."""
    hits = []

    def counted(op, new, values):
        before = {k: np.array(v, copy=True) for k, v in new.items()}
        tamper(op, new, values)
        hits.extend(k for k in new if not np.array_equal(before[k], new[k]))

    toks = cheated_tokens(m, counted)
    assert hits, "the tamper changed nothing"
    key, st, plan = _plan(m, toks)
    vals, _ = forward(plan, m, tamper=tamper)
    proof, *_ = prove_plan(plan, st, to_field_values(vals), None, multiplicities=lenient_multiplicities)
    with pytest.raises(ProofInvalid, match=match):
        verify_sequence(key, st.to_json(), proof)


def last_row(x) -> tuple[int, np.ndarray]:
    """The query the cheaters change, t = 9 (in every pass: the tokens stay consistent), and the keys
    inside its window of 8 (keys 0, 1 outside)."""
    t = len(PROMPT) - 1
    assert x.shape[0] > t
    return t, np.arange(t - 7, t + 1)


def scores_of(op) -> str:
    """The name of the RowMax's input u (the scaled scores), from the op that proves it."""
    return op.relation.x.name


def test_cheating_prover_is_complete(gemma_window):
    m, node, toks = gemma_window
    key, st, plan = _plan(m, toks)
    vals, _ = forward(plan, m, tamper=lambda op, new, values: None)
    proof, *_ = prove_plan(plan, st, to_field_values(vals), None, multiplicities=lenient_multiplicities)
    assert verify_sequence(key, st.to_json(), proof).valid


@pytest.fixture
def lenient(monkeypatch):
    """A cheater's own witness code: table outputs read at the nearest domain entry and divisions done
    whatever their widths (the honest prover refuses both); the lookup argument must object."""
    from deepprove_cli.nodeproofs.ops import TableOp
    from deepprove_cli.relations.divrem import DivRem, divrem_int

    def table_forward(self, values):
        idx = np.clip(np.asarray(values[self.x], np.int64) - self.lo, 0, self.values.shape[0] - 1)
        return {self.y: np.asarray(self.values, np.int64)[idx]}

    def divrem_witness(self, a_values, b_values):
        q, r = divrem_int(a_values, b_values, self.axes)
        out = {self.q.name: q, self.r.name: r}
        for rc in self.ranges:
            out.update(rc.witness({**out, self.b.name: b_values}))
        return out

    monkeypatch.setattr(TableOp, "forward", table_forward)
    monkeypatch.setattr(DivRem, "witness", divrem_witness)


def _rowmax_names(node):
    mx = f"{node.name}.max"
    return mx, mx + ".onehot", mx + ".diff"


def test_max_not_attained(gemma_window):
    """m one above every entry of a row (d shifted along): sum_j s d = 0 fails."""
    m, node, _ = gemma_window
    mx, _, diff = _rowmax_names(node)

    def tamper(op, new, values):
        if mx in new:
            t, allowed = last_row(new[mx])
            new[mx][t, 0, 0] += 1
            new[diff][t, 0, 0, allowed] += 1

    rejected(m, tamper, f"node {node.name} .*rowmax")


def test_max_not_the_max(gemma_window, lenient):
    """A smaller unmasked entry taken as the row's max (one-hot moved there, d = m - u honest): the true
    max's difference is negative, outside its range."""
    m, node, _ = gemma_window
    mx, onehot, diff = _rowmax_names(node)

    def tamper(op, new, values):
        if mx in new:
            t, allowed = last_row(new[mx])
            row = np.asarray(values[scores_of(op)], np.int64)[t, 0, 0]
            low_key = int(allowed[np.argmin(row[allowed])])
            assert row[low_key] < row[allowed].max()
            new[mx][t, 0, 0] = row[low_key]
            new[onehot][t, 0, 0] = 0
            new[onehot][t, 0, 0, low_key] = 1
            new[diff][t, 0, 0, allowed] = row[low_key] - row[allowed]

    rejected(m, tamper, "lookup argument: lookup table (model/dclamp|range/)")


def test_masked_entry_selected(gemma_window):
    """The window ignored in a row where a key outside it scores highest: that key taken as the max
    (one-hot there, the allowed keys' d = m - u consistent, d = 0 where masked): the one-hot must be 0
    where masked."""
    m, node, _ = gemma_window
    mx, onehot, diff = _rowmax_names(node)

    def tamper(op, new, values):
        if mx in new:
            uu = np.asarray(values[scores_of(op)], np.int64)
            T, G = uu.shape[0], uu.shape[2]
            for t, g in ((t, g) for t in range(8, T) for g in range(G)):
                row, lo = uu[t, 0, g], t - 7
                if row[:lo].max() > row[lo:t + 1].max():
                    key = int(np.argmax(row[:lo]))
                    new[mx][t, 0, g] = row[key]
                    new[onehot][t, 0, g] = 0
                    new[onehot][t, 0, g, key] = 1
                    new[diff][t, 0, g, lo:t + 1] = row[key] - row[lo:t + 1]
                    return
            raise AssertionError("no row has a masked key above its window's max")

    rejected(m, tamper, f"node {node.name} .*rowmax")


def test_masked_key_given_weight(gemma_window):
    """A key outside the window given the row max's exp value (its distance claimed 0 by the RowMax
    difference): d = mask (m - u) fails."""
    m, node, _ = gemma_window
    _, _, diff = _rowmax_names(node)
    big = masked_distance(m.store().table(node.tables["clamp"])[0], node.params["clamp_j"])

    def tamper(op, new, values):
        if diff in new:
            new[diff][len(PROMPT) - 1, 0, 0, 1] = -big  # dist = D - D = 0 at a masked key

    rejected(m, tamper, f"node {node.name} .*rowmax|lookup argument")


def test_exp_value_off_by_one(gemma_window):
    m, node, _ = gemma_window
    e = f"{node.name}.exp"

    def tamper(op, new, values):
        if e in new:
            t, _ = last_row(new[e])
            new[e][t, 0, 0, t] += 1

    rejected(m, tamper, "lookup argument: lookup table model/exp")


@pytest.mark.parametrize("shift", [1, -1])
def test_sum_split_shifted_with_compensation(gemma_window, lenient, shift):
    """f moved by one and S_h scaled to match (S = S_h 2^f + lo kept as close as it goes): S_h leaves its
    B bits, or the remainder its range."""
    m, node, _ = gemma_window
    f, s_h = f"{node.name}.sum_exp", f"{node.name}.sum_hi"

    def tamper(op, new, values):
        if f in new:
            if shift > 0:
                new[s_h][len(PROMPT) - 1] >>= 1
            else:
                new[s_h][len(PROMPT) - 1] <<= 1
            new[f][len(PROMPT) - 1] += shift

    rejected(m, tamper, f"lookup argument: lookup table range/{node.params['sum_bits'] - 1}:")


def test_sum_exponent_shifted_alone(gemma_window):
    """f one higher with S_h kept (a B-bit mantissa): the remainder S - S_h 2^f goes negative."""
    m, node, _ = gemma_window
    f = f"{node.name}.sum_exp"

    def tamper(op, new, values):
        if f in new:
            new[f][len(PROMPT) - 1] += 1

    rejected(m, tamper, f"lookup argument: lookup table range/{node.params['frac_p']}:")


@pytest.mark.parametrize("step", [1, -1])
def test_quotient_off_by_one(gemma_window, step):
    """A row's largest probability moved by one with its remainder moved by the divisor the other way
    (a = q b + r kept): r < 0 (step 1) or r >= b, the gap b - 1 - r < 0 (step -1)."""
    m, node, _ = gemma_window

    def tamper(op, new, values):
        if node.name in new:
            t, _ = last_row(new[node.name])
            k = int(np.argmax(new[node.name][t, 0, 0]))
            new[node.name][t, 0, 0, k] += step
            new[f"{node.name}.rem"][t, 0, 0, k] -= step * 2 * values[f"{node.name}.sum_hi"][t, 0, 0]

    rejected(m, tamper, f"lookup argument: lookup table range/{node.params['sum_bits'] + 1}:")


def test_quotient_changed_alone(gemma_window):
    """A probability one lower, its remainder left honest: a = q b + r fails."""
    m, node, _ = gemma_window

    def tamper(op, new, values):
        if node.name in new:
            t, _ = last_row(new[node.name])
            new[node.name][t, 0, 0, t] -= 1

    rejected(m, tamper, f"node {node.name} .*divrem")
