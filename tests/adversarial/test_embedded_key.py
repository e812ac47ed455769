"""`dp verify proof.bin` with the verifying key embedded in the proof: the key is the prover's, and the
model id it hashes to is only the proof's own claim. A stranger's key that differs from the model's
(here: one byte of its arrays, or one integer parameter of its graph) with the statement's id set to
its hash must never accept the model's proof: commands.verify.check reports it invalid (VerifyFailed)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from deepprove_cli.io import container
from deepprove_cli.io.proof_file import ProofFile, write_proof
from deepprove_cli.model.vk import VK_MAGIC, VK_VERSION, VerifyingKey, model_id_of, weight_params
from deepprove_cli.commands.verify import VerifyFailed, check
from deepprove_cli.prover import prove_sequence
from tests.prover.hand_models import greedy, mlp_model

PROMPT = [4, 7]


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """(vk, statement, proof bytes) of the hand MLP under the tiny llama's config and tokenizer."""
    from deepprove_cli.model.dpq import QuantizedModel, load_dpq
    from tests.graph.tiny_models import tiny_paths

    base = load_dpq(tiny_paths("llama", str(tmp_path_factory.getbasetemp()))[1])
    hm = mlp_model(V=base.config.n_vocab)
    qm = QuantizedModel(base.config, base.tokenizer, base.quant, hm.graph, hm.arrays, hm.tables)
    vk = VerifyingKey.of(qm, None, weight_params())
    b = prove_sequence(qm, None, greedy(hm, PROMPT, 2), len(PROMPT), model_id=vk.model_id)
    return vk, b.statement, b.proof_bytes


def _check(tmp_path, statement, proof: bytes, key: bytes) -> dict:
    st = copy.deepcopy(statement)
    st["model"]["id"] = model_id_of(key)
    path = str(tmp_path / "proof.bin")
    write_proof(path, ProofFile(st, proof, key))
    return check(path, None, None)


def test_honest_embedded_key_verifies(signed, tmp_path):
    vk, st, proof = signed
    assert _check(tmp_path, st, proof, vk.to_bytes())["valid"]


def test_key_array_bytes_changed(signed, tmp_path):
    """Seeded single-byte changes in the key's array data (public arrays, tables, tokenizer)."""
    vk, st, proof = signed
    raw = vk.to_bytes()
    hlen = container._PREFIX.unpack_from(raw, 0)[3]
    start = container._PREFIX.size + hlen
    rng = np.random.default_rng(5)
    for pos in rng.integers(start, len(raw), 40):
        bad = bytearray(raw)
        bad[int(pos)] ^= 1 << int(rng.integers(8))
        with pytest.raises(VerifyFailed):
            _check(tmp_path, st, proof, bytes(bad))


def _int_paths(graph: dict):
    """Paths to the integer parameters of the graph's nodes."""
    for i, node in enumerate(graph["nodes"]):
        for k, v in node["params"].items():
            if isinstance(v, int) and not isinstance(v, bool):
                yield i, k


def test_key_graph_integers_changed(signed, tmp_path):
    """Every integer node parameter moved by one (a limb cut, a shift, a clamp resolution, a multiplier),
    negative values included (the lowering's own errors must come out as invalid)."""
    vk, st, proof = signed
    meta, specs = vk._meta_specs()
    paths = list(_int_paths(meta["graph"]))
    assert len(paths) >= 10
    for i, k in paths:
        for delta in (-1, 1):
            m = copy.deepcopy(meta)
            m["graph"]["nodes"][i]["params"][k] += delta
            with pytest.raises(VerifyFailed):
                _check(tmp_path, st, proof, container.to_bytes(VK_MAGIC, VK_VERSION, m, specs))


@pytest.mark.parametrize("path, value", [
    (("inter", "out"), "x"),          # a bound of the wrong type: the key's canonical check raised
    (("bound",), 1e400),              # Infinity once written: not JSON
    (("params", "k"), 2 ** 40),       # an absurd multiplier width: bound arithmetic overflows
])
def test_key_graph_values_malformed(signed, tmp_path, path, value):
    vk, st, proof = signed
    meta, specs = vk._meta_specs()
    m = copy.deepcopy(meta)
    node = next(n for n in m["graph"]["nodes"] if path[0] in n and (len(path) == 1 or path[1] in n[path[0]])) \
        if path[0] != "params" else next(n for n in m["graph"]["nodes"] if "k" in n["params"])
    target = node
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(VerifyFailed):
        _check(tmp_path, st, proof, container.to_bytes(VK_MAGIC, VK_VERSION, m, specs))
