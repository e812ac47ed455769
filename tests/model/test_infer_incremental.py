"""Incremental decoding (positional + K/V caches) gives bit for bit the integers of one full causal
pass, for every node of every architecture, and greedy decoding picks the graph's argmax."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.graph.node import EvalContext
from deepprove_cli.model.dpq import load_dpq
from deepprove_cli.model.infer import Session, full_pass, generate
from deepprove_cli.model.tokenizer import Tokenizer
from tests.graph.tiny_models import ARCHS, PROMPT, tiny_paths


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tiny"))
    out = {a: tiny_paths(a, d)[1] for a in ARCHS}
    # gemma3 with soft-capping exercises the tanh tables on both attention and logits
    out["gemma3-cap"] = tiny_paths("gemma3", d, attn_logit_softcap=20.0, final_logit_softcap=15.0)[1]
    return out


def _compare(full: dict, steps: list[tuple[int, dict]], qm) -> int:
    """Every node's rows from the steps equal the full pass's rows (key axes: the visible prefix,
    the rest of the full row being masked). Returns the number of nodes compared."""
    n = 0
    for node in qm.graph.nodes:
        if node.kind == "kvcache":
            continue
        rows = []
        for start, res in steps:
            v = res[node.name]
            if None in node.shape:  # a key axis (last): pad with the full pass's masked tail
                tail = full[node.name][start:start + v.shape[0], ..., v.shape[-1]:]
                if node.kind == "softmax":
                    assert not tail.any(), node.name
                v = np.concatenate([v, tail], axis=-1)
            rows.append(v)
        assert np.array_equal(np.concatenate(rows, axis=0), full[node.name]), node.name
        n += 1
    return n


@pytest.mark.parametrize("arch", list(ARCHS) + ["gemma3-cap"])
def test_incremental_equals_full_pass(models, arch):
    qm = load_dpq(models[arch])
    ids = (Tokenizer(qm.tokenizer).encode(PROMPT) * 2)[:22]  # longer than gemma3's window of 8
    names = [n.name for n in qm.graph.nodes]
    full = qm.graph.run(qm.store(), EvalContext.full(ids), names)
    s = Session(qm)
    steps, pos = [], 0
    for chunk in (ids[:5], ids[5:6], ids[6:13], *[[t] for t in ids[13:]]):
        steps.append((pos, s.step(chunk, names)))
        pos += len(chunk)
    assert _compare(full, steps, qm) > 10
    assert s.n_past == len(ids)


@pytest.mark.parametrize("arch", ARCHS)
def test_generate_is_greedy_over_the_integer_logits(models, arch):
    qm = load_dpq(models[arch])
    prompt = Tokenizer(qm.tokenizer).encode(PROMPT)[:6]
    seen = []
    gen = generate(qm, prompt, 5, on_logits=seen.append)
    logits = full_pass(qm, prompt + gen.output_tokens)[qm.graph.meta["logits"]]
    for i, tok in enumerate(gen.output_tokens):
        row = logits[len(prompt) - 1 + i]
        assert tok == int(np.flatnonzero(row == row.max())[0])  # the first maximum
        assert np.array_equal(seen[i], row)
    assert gen.prompt_tokens == prompt and len(gen.output_tokens) == 5


def test_context_limits_are_refused(models):
    qm = load_dpq(models["llama"])
    with pytest.raises(InputError, match="exceeds the context length"):
        generate(qm, [5] * 10, qm.graph.max_len)
    with pytest.raises(InputError, match="token id out of range"):
        full_pass(qm, [qm.config.n_vocab])
    s = Session(qm)
    s.step([1] * qm.graph.max_len, [])
    with pytest.raises(InputError, match="beyond the context length"):
        s.step([1], [])
