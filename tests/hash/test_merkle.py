"""Merkle trees: roots against the reference, multi-openings, serialization, tampering."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.hash import reference
from deepprove_cli.hash.merkle import (MerkleTree, MultiProof, opening_plan, proof_node_count, verify_multi,
                                       verify_multi_digests)
from deepprove_cli.hash.rows import hash_rows
from deepprove_cli.io.binary import ProofFormatError, Reader, Writer

P = 2013265921


def _matrix(n_rows, n_cols, seed=0):
    return np.random.default_rng(seed).integers(0, P, (n_rows, n_cols), dtype=np.uint32)


@pytest.mark.parametrize("n_rows,n_cols", [(1, 1), (2, 3), (8, 8), (16, 1), (32, 20), (4, 300)])
def test_root_matches_reference(n_rows, n_cols):
    m = _matrix(n_rows, n_cols)
    tree = MerkleTree.build(m)
    assert tree.root == reference.merkle_root(m.tolist())
    assert tree.height == n_rows.bit_length() - 1 and tree.n_rows == n_rows


# Golden roots: any change here changes every commitment (and every proof).
GOLDEN = {
    "arange_8x8": "0f7f5e047c665e9010f8c93e15e9d7afc9c577d5a22f3cb7f82b5bf0f6d70adb",
    "zeros_4x1": "1da27fbdfb31a12605cb450b13aa42bb3b83b6ce9c6567934c948b5c29948cb4",
    "pminus1_2x16": "288922409a1de63d88ed94196b4c3de031b7cfd527a8c8e1f4befa2d20bf36e8",
    "mod_1024x3": "6545c3b51f58e9ae25fceea1f479a7de7c6ef426330bb540b50a9e155f0c5249",
}


def _golden_matrices():
    return {
        "arange_8x8": np.arange(64, dtype=np.uint32).reshape(8, 8),
        "zeros_4x1": np.zeros((4, 1), np.uint32),
        "pminus1_2x16": np.full((2, 16), P - 1, np.uint32),
        "mod_1024x3": (np.arange(3072, dtype=np.uint64) * 2654435761 % P).astype(np.uint32).reshape(1024, 3),
    }


def test_golden_roots():
    assert {k: MerkleTree.build(m).root.hex() for k, m in _golden_matrices().items()} == GOLDEN


def test_non_power_of_two_rejected():
    with pytest.raises(ValueError):
        MerkleTree.build(_matrix(6, 2))
    with pytest.raises(ValueError):
        MerkleTree.build(np.zeros((0, 2), np.uint32))
    with pytest.raises(ValueError):
        proof_node_count(12, [0])
    with pytest.raises(TypeError):
        MerkleTree.build(np.zeros((4, 2), np.int64))
    with pytest.raises(ValueError):
        MerkleTree.build(_matrix(4, 2), device="tpu")


@pytest.mark.parametrize("n_rows", [1, 2, 16, 64])
def test_multi_open_round_trip(n_rows, rng):
    m = _matrix(n_rows, 5)
    tree = MerkleTree.build(m)
    for _ in range(5):
        q = rng.integers(0, n_rows, int(rng.integers(1, 12)))  # unsorted, with duplicates
        proof = tree.open(q)
        assert len(proof.nodes) == proof_node_count(n_rows, q)
        verify_multi(tree.root, n_rows, q, m[q], proof)
        verify_multi_digests(tree.root, n_rows, q, hash_rows(m[q]), proof)


def test_shared_nodes_are_sent_once():
    tree = MerkleTree.build(_matrix(8, 2))
    assert proof_node_count(8, [0]) == 3  # a single path
    assert proof_node_count(8, [0, 1]) == 2  # siblings of each other
    assert proof_node_count(8, [1, 0, 1]) == 2
    assert proof_node_count(8, list(range(8))) == 0  # the whole layer: nothing to send
    assert proof_node_count(8, [0, 7]) == 4
    # the plan is level by level, increasing index order
    plan = opening_plan(8, [5, 0])
    assert [need.tolist() for _, need in plan] == [[1, 4], [1, 3], []]
    proof = tree.open([5, 0])
    expected = [tree.layers[0][1], tree.layers[0][4], tree.layers[1][1], tree.layers[1][3]]
    assert np.array_equal(proof.nodes, np.stack(expected))


def _serialize(proof):
    w = Writer()
    proof.write(w)
    return w.getvalue()


def test_serialization_round_trip_is_strict():
    m = _matrix(32, 4)
    tree = MerkleTree.build(m)
    q = [3, 17, 17, 30]
    data = _serialize(tree.open(q))
    assert len(data) == 32 * proof_node_count(32, q)
    r = Reader(data)
    proof = MultiProof.read(r, 32, q)
    r.finish()
    verify_multi(tree.root, 32, q, m[q], proof)
    with pytest.raises(ProofFormatError):
        MultiProof.read(Reader(data[:-1]), 32, q)
    r = Reader(data + b"\0")
    MultiProof.read(r, 32, q)
    with pytest.raises(ProofFormatError):
        r.finish()


class TestTampering:
    n_rows = 32
    q = [2, 9, 9, 23]

    def setup_method(self):
        self.m = _matrix(self.n_rows, 6, seed=3)
        self.tree = MerkleTree.build(self.m)
        self.proof = self.tree.open(self.q)

    def _rejects(self, root=None, indices=None, rows=None, nodes=None):
        with pytest.raises(ProofInvalid):
            verify_multi(self.tree.root if root is None else root, self.n_rows, self.q if indices is None else indices,
                         self.m[self.q] if rows is None else rows,
                         MultiProof(self.proof.nodes if nodes is None else nodes))

    def test_honest_accepts(self):
        verify_multi(self.tree.root, self.n_rows, self.q, self.m[self.q], self.proof)

    def test_altered_leaf(self):
        rows = self.m[self.q].copy()
        rows[0, 3] ^= 1
        self._rejects(rows=rows)

    def test_inconsistent_duplicate_leaf(self):
        rows = self.m[self.q].copy()
        rows[2, 0] = (rows[2, 0] + 1) % P  # index 9 is opened twice; change only the second copy
        self._rejects(rows=rows)

    @pytest.mark.parametrize("k", [0, 3, -1])
    def test_altered_path_node(self, k):
        nodes = self.proof.nodes.copy()
        nodes[k, 5] ^= 1 << 7
        self._rejects(nodes=nodes)

    def test_altered_root(self):
        root = bytearray(self.tree.root)
        root[31] ^= 1
        self._rejects(root=bytes(root))

    def test_wrong_index(self):
        self._rejects(indices=[3, 9, 9, 23])

    def test_swapped_rows(self):
        self._rejects(rows=self.m[[9, 2, 9, 23]])

    def test_truncated_and_extra_nodes(self):
        self._rejects(nodes=self.proof.nodes[:-1])
        self._rejects(nodes=np.concatenate([self.proof.nodes, self.proof.nodes[:1]]))

    def test_wrong_row_count(self):
        self._rejects(rows=self.m[self.q][:3])


def test_single_row_tree():
    m = _matrix(1, 7)
    tree = MerkleTree.build(m)
    assert tree.root == reference.row_digest(m[0])
    proof = tree.open([0, 0])
    assert len(proof.nodes) == 0
    verify_multi(tree.root, 1, [0, 0], m[[0, 0]], proof)
    with pytest.raises(ProofInvalid):
        verify_multi(tree.root, 1, [0], m[[0]] + 1, proof)


def test_bad_indices_rejected():
    tree = MerkleTree.build(_matrix(4, 1))
    with pytest.raises(ValueError):
        tree.open([4])
    with pytest.raises(ValueError):
        tree.open([])
