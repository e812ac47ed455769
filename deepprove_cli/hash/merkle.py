"""Merkle commitment to a matrix: leaf i = BLAKE3 of row i (the same index across a batch of committed
columns), node = BLAKE3(left || right), with multi-openings that share nodes.

The number of rows must be a power of two (callers pad; a Basefold codeword already is one): the
tree's height is then fixed by the committed shape, which the verifier knows, so leaves and
nodes need no domain tags. A multi-opening of a set of leaf indices (any order, duplicates allowed)
carries only the sibling nodes the verifier cannot compute itself: level by level from the
leaves up, in increasing index order. Its node count is a function of (n_rows, indices), which the
verifier computes itself; the proof never states it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.hash.rows import compress_pairs, hash_rows, to_bytes
from deepprove_cli.io.binary import Reader, Writer


def _height(n_rows: int) -> int:
    if n_rows < 1 or n_rows & (n_rows - 1):
        raise ValueError(f"a Merkle tree needs a power-of-two number of rows, got {n_rows}")
    return n_rows.bit_length() - 1


def _query_set(n_rows: int, indices) -> np.ndarray:
    """Sorted distinct leaf indices; rejects out-of-range ones."""
    idx = np.unique(np.asarray(indices, dtype=np.int64).reshape(-1))
    if idx.size == 0:
        raise ValueError("a Merkle opening needs at least one index")
    if idx[0] < 0 or idx[-1] >= n_rows:
        raise ValueError(f"Merkle index out of range [0, {n_rows})")
    return idx


def opening_plan(n_rows: int, indices) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per level, bottom-up: (known node indices, sibling indices the opening must send), both sorted."""
    idx = _query_set(n_rows, indices)
    plan = []
    for _ in range(_height(n_rows)):
        need = np.setdiff1d(idx ^ 1, idx, assume_unique=True)
        plan.append((idx, need))
        idx = np.unique(idx >> 1)
    return plan


def proof_node_count(n_rows: int, indices) -> int:
    """How many nodes a multi-opening of these indices carries."""
    return sum(len(need) for _, need in opening_plan(n_rows, indices))


@dataclass
class MultiProof:
    """The sibling nodes of a multi-opening, (k, 8) uint32 digests in the plan's order."""

    nodes: np.ndarray

    def write(self, w: Writer) -> None:
        w.raw(np.ascontiguousarray(self.nodes, dtype="<u4").tobytes())

    @classmethod
    def read(cls, r: Reader, n_rows: int, indices) -> "MultiProof":
        k = proof_node_count(n_rows, indices)
        raw = r.raw(32 * k, "Merkle opening nodes")
        return cls(np.frombuffer(raw, dtype="<u4").astype(np.uint32).reshape(k, 8))


@dataclass
class MerkleTree:
    """All layers of the tree: layers[0] = leaf digests (n, 8), ..., layers[-1] = root (1, 8)."""

    layers: list

    @classmethod
    def build(cls, matrix: np.ndarray, device: str = "cpu") -> "MerkleTree":
        """Commit to the rows of a (n_rows, n_cols) uint32 matrix, n_rows a power of two.

        device "cuda" hashes on the GPU (hash.blake3_cuda); the layers are the same bytes.
        """
        matrix = np.asarray(matrix)
        if matrix.ndim != 2 or matrix.dtype != np.uint32:
            raise TypeError(f"a Merkle tree commits to a 2-D uint32 matrix, got {matrix.ndim}-D {matrix.dtype}")
        _height(matrix.shape[0])  # fail before hashing
        if device == "cuda":
            from deepprove_cli.hash.blake3_cuda import merkle_layers

            return cls(merkle_layers(matrix))
        if device != "cpu":
            raise ValueError(f"unknown device {device!r}")
        return cls.from_leaf_digests(hash_rows(matrix))

    @classmethod
    def from_leaf_digests(cls, leaves: np.ndarray) -> "MerkleTree":
        """A tree over given leaf digests (n, 8) uint32 (e.g. leaves hashed elsewhere or salted)."""
        layers = [np.ascontiguousarray(leaves, dtype=np.uint32)]
        for _ in range(_height(len(leaves))):
            layers.append(compress_pairs(layers[-1]))
        return cls(layers)

    @property
    def n_rows(self) -> int:
        return len(self.layers[0])

    @property
    def height(self) -> int:
        return len(self.layers) - 1

    @property
    def root(self) -> bytes:
        return to_bytes(self.layers[-1][0])

    def open(self, indices) -> MultiProof:
        """The multi-opening of these leaf indices (any order, duplicates allowed)."""
        plan = opening_plan(self.n_rows, indices)
        nodes = [self.layers[level][need] for level, (_, need) in enumerate(plan)]
        return MultiProof(np.concatenate(nodes) if nodes else np.empty((0, 8), np.uint32))


def _fail(why: str):
    raise ProofInvalid(f"Merkle opening: {why}")


def verify_multi_digests(root: bytes, n_rows: int, indices, leaf_digests: np.ndarray, proof: MultiProof) -> None:
    """Check leaf digests (one per entry of `indices`, same order) against the root; raise ProofInvalid."""
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    leaf_digests = np.asarray(leaf_digests, dtype=np.uint32)
    if leaf_digests.shape != (len(indices), 8):
        _fail(f"{len(indices)} indices but leaf digests of shape {leaf_digests.shape}")
    plan = opening_plan(n_rows, indices)
    distinct = _query_set(n_rows, indices)
    pos = np.searchsorted(distinct, indices)
    digests = np.empty((len(distinct), 8), np.uint32)
    digests[pos] = leaf_digests
    if not np.array_equal(digests[pos], leaf_digests):
        _fail("a leaf index is opened twice with different values")
    nodes = np.asarray(proof.nodes, dtype=np.uint32).reshape(-1, 8)
    used = 0
    for known, need in plan:
        sent = nodes[used:used + len(need)]
        if len(sent) != len(need):
            _fail("too few nodes")
        used += len(need)
        order = np.argsort(np.concatenate([known, need]), kind="stable")
        children = np.concatenate([digests, sent])[order]
        digests = compress_pairs(children)
    if used != len(nodes):
        _fail(f"{len(nodes) - used} extra nodes")
    if to_bytes(digests[0]) != bytes(root):
        _fail("root mismatch")


def verify_multi(root: bytes, n_rows: int, indices, rows: np.ndarray, proof: MultiProof) -> None:
    """Check opened rows (one per entry of `indices`, same order) against the root; raise ProofInvalid."""
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[0] != len(np.asarray(indices).reshape(-1)) or rows.dtype != np.uint32:
        _fail(f"opened rows have shape {rows.shape} {rows.dtype}, expected one uint32 row per index")
    verify_multi_digests(root, n_rows, indices, hash_rows(rows), proof)
