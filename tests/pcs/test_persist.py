"""Prover data stored in an artifact container and memory-mapped back: no copy, same proofs;
the streamed commit writes the same data and commitment as the in-memory one."""

import dataclasses

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.io import container
from deepprove_cli.pcs import open_batch
from deepprove_cli.pcs.basefold.commit_phase import ProverData, commit
from deepprove_cli.pcs.basefold.persist import commit_stream

from .helpers import SMALL, point, tables, transcript, verify

KIND = b"DPTEST\0\0"
PARAMS = dataclasses.replace(SMALL, max_vars=7)


def _batch(rng):
    polys = tables(rng, [9, 6, 7, 2, 7, 0])   # a split polynomial, tiny ones, two groups at one level
    claims_spec = [(0, point(rng, 9)), (1, point(rng, 6)), (3, point(rng, 2)), (4, point(rng, 7))]
    return polys, claims_spec


def _proof(data, spec):
    claims = [data.claim(k, pt) for k, pt in spec]
    return claims, open_batch(data, claims, transcript(), PARAMS).to_bytes()


def _stored(rng, tmp_path):
    """(data, spec, meta, specs, path, container) of a batch written with to_arrays and read back."""
    polys, spec = _batch(rng)
    data = commit(polys, PARAMS)
    meta, specs = data.to_arrays()
    path = str(tmp_path / "pd.bin")
    container.write(path, KIND, 1, {"pcs": meta}, specs)
    return data, spec, meta, specs, path, container.read(path, KIND)


def _inside(a: np.ndarray, buf) -> bool:
    lo = np.frombuffer(buf, dtype=np.uint8).__array_interface__["data"][0]
    addr = a.__array_interface__["data"][0]
    return lo <= addr and addr + a.nbytes <= lo + len(buf)


def test_round_trip_views_and_same_proof(rng, tmp_path):
    data, spec, _, _, _, c = _stored(rng, tmp_path)
    again = ProverData.from_container(c.meta["pcs"], c)
    assert again.commitment == data.commitment
    for arrs in (again.tables, again.codewords, again.tree.layers):
        for a in arrs:
            assert not a.flags.owndata and not a.flags.writeable
    big = [g for g, grp in enumerate(again.layout.groups) if grp.num_vars >= 4]
    for g in big:  # a group's columns are one view over the mapped file
        assert _inside(again.tables[g], c._buffer) and _inside(again.codewords[g], c._buffer)
    claims, want = _proof(data, spec)
    got = open_batch(again, claims, transcript(), PARAMS).to_bytes()
    assert got == want
    verify(again.commitment, claims, got, PARAMS)


def test_streamed_commit_equals_in_memory(rng, tmp_path, monkeypatch):
    from deepprove_cli.pcs.basefold import commit_phase

    monkeypatch.setattr(commit_phase, "SLAB_BYTES", 1 << 9)   # several slabs per group
    polys, spec = _batch(rng)
    data = commit(polys, PARAMS)
    stream = commit_stream(polys, PARAMS, prefix="w/")
    with pytest.raises(RuntimeError):
        stream.commitment
    path = str(tmp_path / "pd.bin")
    own = [container.ArraySpec.of("model/x", np.arange(5, dtype=np.int64))]
    container.write(path, KIND, 1, {"weights": stream.meta}, own + stream.specs)
    assert stream.commitment == data.commitment
    c = container.read(path, KIND)
    loaded = ProverData.from_container(c.meta["weights"], c)
    for a, b in zip(loaded.codewords + loaded.tables, data.codewords + data.tables):
        assert np.array_equal(a, b)
    assert _proof(loaded, spec)[1] == _proof(data, spec)[1]



class _Lazy:
    """A lazy sequence of tables (commit_shape's `num_vars` protocol) that records which it built."""

    def __init__(self, polys):
        self.polys, self.built = polys, []
        self.num_vars = [int(p.size).bit_length() - 1 for p in polys]

    def __len__(self):
        return len(self.polys)

    def __getitem__(self, k):
        self.built.append(k)
        return self.polys[k].copy()


def test_streamed_commit_of_a_lazy_sequence(rng, tmp_path, monkeypatch):
    """Tables built only when the stream writes or encodes them (none at construction), each chunk run of
    a split polynomial from one build; the same commitment and prover data as the eager commit."""
    from deepprove_cli.pcs.basefold import commit_phase

    monkeypatch.setattr(commit_phase, "SLAB_BYTES", 1 << 9)
    polys, _ = _batch(rng)
    lazy = _Lazy(polys)
    stream = commit_stream(lazy, PARAMS, prefix="w/")
    assert lazy.built == []
    path = str(tmp_path / "lazy.bin")
    container.write(path, KIND, 1, {"weights": stream.meta}, stream.specs)
    data = commit(polys, PARAMS)
    assert stream.commitment == data.commitment
    assert sorted(set(lazy.built)) == list(range(len(polys)))
    assert lazy.built.count(0) <= 2   # 4 chunks: built once for the tables' pass, once for the encoding's
    c = container.read(path, KIND)
    loaded = ProverData.from_container(c.meta["weights"], c)
    for a, b in zip(loaded.codewords + loaded.tables, data.codewords + data.tables):
        assert np.array_equal(a, b)

def test_stream_out_of_order(rng, monkeypatch):
    from deepprove_cli.pcs.basefold import commit_phase

    monkeypatch.setattr(commit_phase, "SLAB_BYTES", 1 << 9)
    stream = commit_stream(tables(rng, [8, 8, 8]), PARAMS)
    cw = [s for s in stream.specs if "/codeword/" in s.name]
    with pytest.raises(RuntimeError, match="order"):
        cw[-1].produce()


def test_bad_meta_and_corrupt_data(rng, tmp_path):
    _, _, meta, specs, path, c = _stored(rng, tmp_path)
    for bad in ({}, dict(meta, kind="x"), dict(meta, version=9), dict(meta, num_vars=[9, "6"]),
                dict(meta, rate_bits=9), dict(meta, num_vars=[9, 6])):
        with pytest.raises(InputError):
            ProverData.from_container(bad, c)
    root = next(s for s in specs if s.name.endswith("root"))
    honest = root.produce
    root.produce = lambda: honest() ^ np.uint32(1)
    container.write(path, KIND, 1, {"pcs": meta}, specs)
    with pytest.raises(InputError, match="root"):
        ProverData.from_container(meta, container.read(path, KIND))
