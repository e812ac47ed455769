"""Argmax output: the public token tok[t] is the FIRST maximum of the logits row L[t, :] (greedy).

With Lsel[t] = L[t, tok_t] (a virtual tensor, never committed), the margins

    D[t, j] = Lsel[t] - L[t, j] - [j < tok_t]        (0 on padded entries)

must all lie in [0, 2^bits): L[t, tok] >= L[t, j] after the token and > before it. D is a DERIVED
range column (relations.ranges; bits > 16: committed 16-bit limbs with an identity check). A claim
on D at gamma (from the lookup argument) gives, by the linear relation, claims on Lsel at gamma_t and
on L at gamma ([j < tok_t] is public: public.PrefixRows, O(T log(TV))). The claim on Lsel is then an
Einsum 'tv,tv->t' of the public selection sel[t, v] = [v == tok_t] with L: a sumcheck over (t, v),
leaving a second claim on L (reduce the two with claims.reduce_claims, or open both).

The tokens are bound into the transcript (they are part of the statement anyway); a token that is
not the first maximum puts a negative margin into the range column, which the lookup rejects.
That needs the margins' honest spread to stay below 2^bits (the caller's bounds on the logits give
it: max - min < 2^bits) and bits <= 29 (ranges.MAX_COMPARE_BITS), so that a negative margin,
+ p in the field, lies at p - 2^bits + 1 or above, outside the range.

Padding: on padded entries D = -L (Lsel's broadcast and [j < tok] are zero there), so the logits must
be zero-padded (the caller's part; an Einsum output is); the limbs are then zero there too.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.relations.claims import TensorClaim
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import ProofShape, RelationProof, bind
from deepprove_cli.relations.public import OneHotRows, PrefixRows
from deepprove_cli.relations.ranges import RangeCheck, RangeColumn, compare_bits


def argmax_int(logits) -> np.ndarray:
    """The first index of the maximum of each row (greedy decoding), int64."""
    L = np.asarray(logits, dtype=np.int64)
    return np.argmax(L, axis=-1).astype(np.int64)


class Argmax:
    """tokens[t] = the first argmax of logits[t, :] (logits: a (T, V) witness)."""

    def __init__(self, logits: Operand, tokens, bits: int):
        if len(logits.shape) != 2:
            raise InputError(f"argmax: logits must be (T, V), got {logits.shape}")
        T, V = logits.shape
        self.tokens = np.asarray(tokens)
        if self.tokens.shape != (T,):
            raise InputError(f"argmax: {self.tokens.shape} tokens for {T} logit rows")
        self.logits, self.bits = logits, compare_bits("argmax", bits)
        self.sel = Operand(f"{logits.name}.sel", (T,))
        self.select = Einsum("tv,tv->t", OneHotRows(self.tokens, V), logits, self.sel.name)
        self.before = PrefixRows(self.tokens, V)
        self.margin = RangeCheck(f"{logits.name}.margin", (T, V), self.bits,
                                 [(1, Operand(self.sel.name, (T, 1))), (-1, logits), (-1, self.before)])

    def describe(self) -> dict:
        return {"logits": self.logits.describe(), "tokens": self.tokens.tolist(), "bits": self.bits}

    def witness(self, logits_values) -> dict[str, np.ndarray]:
        """Lsel and the margins (or their limbs), int64: what the prover passes to the lookups."""
        L = np.asarray(logits_values, dtype=np.int64)
        out = {self.sel.name: L[np.arange(L.shape[0]), self.tokens]}
        out.update(self.margin.witness({**out, self.logits.name: L}))
        return out

    def range_columns(self) -> list[RangeColumn]:
        return self.margin.columns()

    def _derived(self) -> bool:
        return self.margin.column_relation is not None

    def proof_shape(self) -> ProofShape:
        first = self.margin.column_relation.proof_shape(True) if self._derived() else self.margin.identity_shape()
        return first + self.select.proof_shape()

    def _check_claim(self, margin_claim):
        if self._derived() and margin_claim is None:
            raise InputError("argmax: the margins are a derived column: pass the lookup's claim on them")
        if not self._derived() and margin_claim is not None:
            raise InputError("argmax: the margins are committed limbs: no column claim to pass")

    def prove(self, values: dict, transcript, margin_claim: TensorClaim | None = None
              ) -> tuple[RelationProof, list[TensorClaim]]:
        """`values`: the logits and the witness. Returns claims on the logits (two) and limbs, if any."""
        self._check_claim(margin_claim)
        bind(transcript, "argmax", self.describe())
        proof = RelationProof()
        if self._derived():
            p, claims = self.margin.prove_column(margin_claim, values, transcript)
        else:
            p, claims = self.margin.prove_identity(values, transcript)
        proof.extend(p)
        sel_claim = next(c for c in claims if c.tensor == self.sel.name)
        p, more = self.select.prove(sel_claim, values, transcript)
        proof.extend(p)
        return proof, [c for c in claims if c.tensor != self.sel.name] + more

    def verify(self, proof: RelationProof, transcript, margin_claim: TensorClaim | None = None) -> list[TensorClaim]:
        self._check_claim(margin_claim)
        bind(transcript, "argmax", self.describe())
        cur = proof.cursor(self.proof_shape())
        if self._derived():
            claims = self.margin.verify_column(margin_claim, cur.sub(self.margin.column_relation.proof_shape(True)),
                                               transcript)
        else:
            claims = self.margin.verify_identity(cur.sub(self.margin.identity_shape()), transcript)
        sel_claim = next(c for c in claims if c.tensor == self.sel.name)
        more = self.select.verify(sel_claim, cur.sub(self.select.proof_shape()), transcript)
        cur.finish()
        return [c for c in claims if c.tensor != self.sel.name] + more
