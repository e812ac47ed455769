"""Select / Embedding: Y[t, :] = E[ids[t], :] for public token ids (rows of a committed table).

An Einsum 'tv,vd->td' whose first operand is the public one-hot selection sel[t, v] = [v == ids[t]]:
the prover folds E's d-variables at r_d (one streaming pass, fold.py: a dot product per row) and the
selection's t-variables by a scatter-add of eq(r_t, t) into v = ids[t] (no T x V table), then runs one
degree-2 sumcheck over v of sel(r_t, v) E(v, r_d). The verifier evaluates sel at (r_t, s_v) itself,
O(T log V) (public.OneHotRows), and leaves one claim on E at (s_v, r_d), typically opened against the
weight commitment. The selection is zero on padding, so E's padded rows never reach Y.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.public import OneHotRows


class Select(Einsum):
    """out[t, :] = table[ids[t], :]; `table` is a (V, D) witness (committed weights)."""

    def __init__(self, table: Operand, ids, out: str):
        if len(table.shape) != 2:
            raise InputError(f"select: the table must be (V, D), got shape {table.shape}")
        super().__init__("tv,vd->td", OneHotRows(ids, table.shape[0]), table, out)
        self.ids = self.a.ids

    def rows(self, table_values) -> np.ndarray:
        """The integer semantics: the selected rows (int64)."""
        return np.asarray(table_values, dtype=np.int64)[self.ids]
