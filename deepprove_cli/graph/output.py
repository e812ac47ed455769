"""The output node: greedy decoding's choice, the first index of each row's maximum logit."""

from __future__ import annotations

import numpy as np

from deepprove_cli.graph.node import EvalContext, Node, Store, register
from deepprove_cli.model import intops


@register
class Argmax(Node):
    """tok_t = the first index of max_j logits[t, j] (primitive 7). Proof: logits[t, tok] - logits[t, j]
    range-checked >= 0 for j > tok and >= 1 for j < tok (differences stay below p / 2 because the
    logits' bound is below p / 4). The output is a token id per row; no other advice."""

    kind = "argmax"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        return {"out": intops.argmax_first(ins[0])}

    def out_shape(self, in_shapes, store: Store) -> tuple:
        return ()

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        return in_shapes[0][-1], {"diff": 2 * in_bounds[0] + 1}


def first_argmax(logits: np.ndarray) -> int:
    """The token greedy decoding picks from one row of integer logits."""
    return int(intops.argmax_first(np.asarray(logits)[None])[0])
