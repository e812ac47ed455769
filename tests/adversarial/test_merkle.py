"""Merkle multi-openings whose tree shape is not the verifier's: why the row count must come from the
verifier (a 16-word row hashes exactly like an inner node), and openings made for another row count."""

import numpy as np
import pytest

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.hash.merkle import MerkleTree, MultiProof, verify_multi
from deepprove_cli.hash.rows import hash_rows


def _matrix(n_rows, n_cols, seed):
    return np.random.default_rng(seed).integers(0, 2013265921, size=(n_rows, n_cols), dtype=np.uint32)


def test_a_row_of_two_digests_has_the_root_of_a_two_row_tree():
    """Leaves and nodes carry no domain tags: a 1-row tree whose row is H(row0) || H(row1) has the root of
    the 2-row tree. Only a verifier that knows the tree has 2 rows refuses that 1-row opening."""
    m = _matrix(2, 16, 1)
    tree = MerkleTree.build(m)
    fake_row = hash_rows(m).reshape(1, 16)
    assert MerkleTree.build(fake_row).root == tree.root
    verify_multi(tree.root, 1, [0], fake_row, MultiProof(np.zeros((0, 8), np.uint32)))  # the ambiguity
    with pytest.raises(ProofInvalid):
        verify_multi(tree.root, 2, [0], fake_row, MultiProof(np.zeros((0, 8), np.uint32)))


@pytest.mark.parametrize("claimed_rows", [8, 32, 64])
def test_opening_verified_under_another_row_count(claimed_rows):
    m = _matrix(16, 3, 2)
    tree = MerkleTree.build(m)
    q = [1, 6, 6, 7]
    proof = tree.open(q)
    verify_multi(tree.root, 16, q, m[q], proof)
    with pytest.raises(ProofInvalid):
        verify_multi(tree.root, claimed_rows, q, m[q], proof)


def test_opening_of_other_indices_with_the_same_node_count():
    """Indices 0 and 2 need the siblings 1 and 3 and one node at level 1 ... so do 4 and 6: the same
    number of nodes, a different path."""
    m = _matrix(16, 2, 3)
    tree = MerkleTree.build(m)
    proof = tree.open([4, 6])
    assert len(proof.nodes) == len(tree.open([0, 2]).nodes)
    with pytest.raises(ProofInvalid):
        verify_multi(tree.root, 16, [0, 2], m[[4, 6]], proof)
    with pytest.raises(ProofInvalid):
        verify_multi(tree.root, 16, [0, 2], m[[0, 2]], proof)
