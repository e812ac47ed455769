"""Proof bytes: identical whatever the parallel split, and pinned (golden) for a fixed instance."""
import hashlib

import numpy as np
from deepprove_cli.field.babybear import to_field
from deepprove_cli.lookup import layer_kernels, multiplicity, standalone, tree
from deepprove_cli.lookup.layout import Lookup
from deepprove_cli.lookup.tables import function_table, range_table


def _instance(seed=7):
    rng = np.random.default_rng(seed)
    sq = function_table("sq", -32, 6, lambda x: x * x)
    tables = [range_table(5), sq, range_table(2, "r2")]
    x = rng.integers(-32, 32, size=300)
    lookups = [Lookup(0, (to_field(rng.integers(0, 32, size=1000)),)), Lookup(1, (to_field(x), to_field(x * x))),
               Lookup(2, (to_field(rng.integers(0, 4, size=3)),)), Lookup(0, (to_field(rng.integers(0, 32, size=77)),))]
    return tables, lookups


def _proof_bytes():
    tables, lookups = _instance()
    proof, mult, _ = standalone.prove(tables, lookups)
    standalone.verify(tables, lookups, mult, proof.to_bytes())
    return proof.to_bytes()


def test_parallel_paths_give_the_same_bytes(monkeypatch):
    serial = _proof_bytes()
    monkeypatch.setattr(layer_kernels, "MIN_CHUNK", 2)
    monkeypatch.setattr(tree, "MIN_CHUNK", 4)
    monkeypatch.setattr(multiplicity, "MIN_CHUNK", 8)
    assert layer_kernels.num_chunks(64) > 1 and tree._chunks(64) > 1
    assert _proof_bytes() == serial


# Changes only with the protocol (transcript schedule, encoding, layout rules): update deliberately.
GOLDEN_LEN = 4128
GOLDEN_SHA256 = "bcf57bf88c13b45e705a927ee20e0ff24f45fe86edf264b0cb0ea1d3760af0c0"


def test_golden_proof():
    data = _proof_bytes()
    assert len(data) == GOLDEN_LEN
    assert hashlib.sha256(data).hexdigest() == GOLDEN_SHA256
