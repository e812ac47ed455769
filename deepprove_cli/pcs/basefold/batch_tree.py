"""The batch tree: one Merkle tree over codewords of several lengths (mixed heights).

Level 0 (the leaves) hashes the rows of the tallest group; a level where smaller groups attach
(layout.py) mixes their rows into the nodes: node = H(H(left || right) || H(row)), with
H(row) = BLAKE3 of the row's elements as little-endian u32 (the leaf hash). Other nodes are
H(left || right). Which levels carry rows, and how wide they are, follows from the committed shape,
so no domain tags are needed. A multi-opening of a set of leaves sends, per row-carrying level,
the rows of the nodes on the leaves' paths (in increasing node order), and the sibling nodes of
`hash.merkle`'s plan; the path nodes at row-carrying levels are never sent, always recomputed.

Imports only the hash layer: the verifier uses `verify` from here.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.hash.merkle import MerkleTree, opening_plan
from deepprove_cli.hash.rows import compress_pairs, hash_rows, to_bytes
from deepprove_cli.pcs.basefold.layout import BatchLayout


def level_rows(layout: BatchLayout, codewords: list[np.ndarray], level: int, nodes: np.ndarray) -> np.ndarray:
    """The rows of these nodes at a row-carrying level: (len(nodes), width), the windows of every
    column of the groups attached there, side by side (codewords[g]: (K_g, 2^L_g), column-major)."""
    parts = []
    for g in layout.levels[level]:
        grp = layout.groups[g]
        cw = codewords[g].reshape(len(grp.polys), -1, 1 << grp.log_window)
        parts.append(cw[:, nodes, :].transpose(1, 0, 2).reshape(len(nodes), -1))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)


def _mix(digests: np.ndarray, row_digests: np.ndarray) -> np.ndarray:
    """H(node || H(row)) for every node of a row-carrying level."""
    return compress_pairs(np.stack([digests, row_digests], axis=1).reshape(-1, 8))


def from_row_digests(layout: BatchLayout, row_digests: dict) -> MerkleTree:
    """The tree from the row hashes of every row-carrying level (`row_digests[level]`: (nodes, 8))."""
    layers = [row_digests[0]]
    for lvl in range(1, layout.height + 1):
        d = compress_pairs(layers[-1])
        if lvl in row_digests:
            d = _mix(d, row_digests[lvl])
        layers.append(d)
    return MerkleTree(layers)


def opened_nodes(leaves: np.ndarray, level: int) -> np.ndarray:
    """The distinct nodes at `level` on the paths of these leaves, increasing."""
    return np.unique(np.asarray(leaves, dtype=np.int64) >> level)


def open_rows(layout: BatchLayout, codewords: list[np.ndarray], leaves: np.ndarray) -> list[np.ndarray]:
    """Per row-carrying level (in order), the rows of the opened nodes."""
    return [level_rows(layout, codewords, lvl, opened_nodes(leaves, lvl)) for lvl in layout.levels]


def verify(layout: BatchLayout, root: bytes, leaves: np.ndarray, rows: list[np.ndarray], nodes: np.ndarray) -> None:
    """Check opened rows (per row-carrying level, for `opened_nodes`) and sibling nodes against the
    root. `leaves` must be distinct and increasing. Raises ProofInvalid naming what fails."""
    levels = list(layout.levels)
    if len(rows) != len(levels):
        raise ProofInvalid(f"batch tree: rows for {len(rows)} levels, expected {len(levels)}")
    for lvl, r in zip(levels, rows):
        want = (len(opened_nodes(leaves, lvl)), layout.level_width(lvl))
        if r.shape != want:
            raise ProofInvalid(f"batch tree: level {lvl} rows of shape {r.shape}, expected {want}")
    plan = opening_plan(layout.n_leaves, leaves)
    sent_total = sum(len(need) for _, need in plan)
    if len(nodes) != sent_total:
        raise ProofInvalid(f"batch tree: {len(nodes)} sibling nodes, expected {sent_total}")
    row_digests = {lvl: hash_rows(np.ascontiguousarray(r)) for lvl, r in zip(levels, rows)}
    digests = row_digests[0]
    used = 0
    for lvl, (known, need) in enumerate(plan, start=1):
        sent = nodes[used:used + len(need)]
        used += len(need)
        order = np.argsort(np.concatenate([known, need]), kind="stable")
        digests = compress_pairs(np.concatenate([digests, sent])[order])
        if lvl in row_digests:
            digests = _mix(digests, row_digests[lvl])
    if to_bytes(digests[0]) != bytes(root):
        raise ProofInvalid("batch tree: root mismatch (an opened row or path node is wrong)")
