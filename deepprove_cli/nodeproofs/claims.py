"""Where claims go during the claim flow (shared by prover and verifier, in the same order).

A claim on a VIRTUAL tensor waits for the op that defines it (which takes them all, reduced to one);
a claim on a COMMITTED tensor (or on a table's multiplicities) joins the advice opening; a claim on a
WEIGHT joins the weight opening. Identical claims are opened once.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.nodeproofs.base import WEIGHT_PREFIX


class ClaimPool:
    def __init__(self, plan):
        self.plan = plan
        self.pending: dict[str, list] = {}
        self._index = {name: i for i, name in enumerate(plan.committed)}
        self._advice: dict[tuple, object] = {}
        self._weights: dict[tuple, tuple] = {}

    def add(self, claims) -> None:
        for c in claims:
            info = self.plan.tensors.get(c.tensor)
            if info is None:
                raise ProofInvalid(f"a claim on {c.tensor!r}, which the proof plan does not have")
            if c.num_vars != info.layout.num_vars:
                raise ProofInvalid(f"a claim on {c.tensor} at {c.num_vars} variables, it has {info.layout.num_vars}")
            if info.kind == "virtual":
                self.pending.setdefault(c.tensor, []).append(c)
            elif info.kind == "committed":
                self._add_advice(self._index[c.tensor], c.point, c.value)
            else:
                key = (c.tensor, c.point.tobytes(), c.value.tobytes())
                self._weights.setdefault(key, (c.tensor[len(WEIGHT_PREFIX):], c.point, c.value))

    def add_multiplicity(self, table: int, point, value) -> None:
        self._add_advice(len(self.plan.committed) + table, point, value)

    def _add_advice(self, poly: int, point, value) -> None:
        from deepprove_cli.pcs import Claim

        pt, v = np.ascontiguousarray(point, np.uint32), np.ascontiguousarray(value, np.uint32).reshape(4)
        self._advice.setdefault((poly, pt.tobytes(), v.tobytes()), Claim(poly, pt, v))

    def take(self, name: str) -> list:
        return self.pending.pop(name, [])

    def finish(self) -> None:
        """Every virtual claim must have been proven back (an internal ordering bug otherwise)."""
        if self.pending:
            raise ProofInvalid(f"claims on {sorted(self.pending)[0]!r} were left unproven")

    def advice_claims(self) -> list:
        return list(self._advice.values())

    def weight_claims(self, names: list[str]) -> list:
        from deepprove_cli.pcs import Claim

        index = {n: i for i, n in enumerate(names)}
        out = []
        for name, point, value in self._weights.values():
            if name not in index:
                raise ProofInvalid(f"a claim on weight {name!r}, which the weight commitment does not hold")
            out.append(Claim(index[name], point, value))
        return out
