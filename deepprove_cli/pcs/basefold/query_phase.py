"""Prover of the query phase: open, for every query, the batch tree's path (with the rows of every
group on it) and the window of each committed layer that the query's folds read.

Queries are positions q of the largest claimed codeword (2^(n + rate_bits)); at fold count d the
query sits at q >> d. Openings send each distinct row once (increasing index) with the shared
multi-path of `hash.merkle`.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.pcs.basefold import batch_tree
from deepprove_cli.pcs.basefold.layout import FoldSchedule
from deepprove_cli.pcs.basefold.proof import TreeOpening


def layer_leaves(schedule: FoldSchedule, c: int, queries: np.ndarray) -> np.ndarray:
    """The leaf of committed layer c holding each query's position (one per query, repeats kept)."""
    lay = schedule.layers[c]
    return (queries >> lay.start) >> lay.log_window


def open_queries(data, schedule: FoldSchedule, layers, queries: np.ndarray) -> tuple[TreeOpening, list[TreeOpening]]:
    leaves = np.unique(schedule.leaf_of(queries))
    batch = TreeOpening(batch_tree.open_rows(data.layout, data.codewords, leaves), data.tree.open(leaves).nodes)
    out = []
    for c, (cw, tree) in enumerate(layers, start=1):
        idx = np.unique(layer_leaves(schedule, c, queries))
        rows = cw.reshape(tree.n_rows, -1)[idx]
        out.append(TreeOpening([rows], tree.open(idx).nodes))
    return batch, out
