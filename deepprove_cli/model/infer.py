"""Integer inference over a quantized model: the graph's node evaluations and nothing else.

`Session` keeps the positional cache (how many positions are done) and the K/V concatenation caches
(KVCache nodes append to them), so decoding one token evaluates the graph on one row. Because every
node is row-wise except those reading positions or the cache, the integers equal those of one full
causal pass over the whole sequence (`full_pass`), which is what the prover proves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.graph.node import EvalContext
from deepprove_cli.model.dpq import QuantizedModel


def check_tokens(qm: QuantizedModel, tokens, n_new: int = 0) -> np.ndarray:
    """Token ids as int64, each inside the vocabulary, the whole sequence within the context."""
    t = np.asarray(tokens, dtype=np.int64).reshape(-1)
    if t.size and (t.min() < 0 or t.max() >= qm.config.n_vocab):
        raise InputError(f"token id out of range [0, {qm.config.n_vocab})")
    total = t.size + n_new
    if total > qm.graph.max_len:
        raise InputError(f"{t.size} prompt tokens + {n_new} new tokens = {total} exceeds the context length "
                         f"{qm.graph.max_len} of this quantized model")
    return t


def full_pass(qm: QuantizedModel, tokens, outputs: list[str] | None = None, keep_all: bool = False,
              store=None) -> dict:
    """One causal pass over `tokens` (positions 0..T-1): {node: integers} for `outputs` (default the
    logits), or every node's outputs and advice when keep_all."""
    t = check_tokens(qm, tokens)
    ctx = EvalContext.full(t, keep_advice=keep_all)
    outs = [qm.graph.meta["logits"]] if outputs is None else outputs
    return qm.graph.run(store or qm.store(), ctx, outs, keep_all=keep_all)


@dataclass
class Session:
    """Incremental decoding state over one model."""

    qm: QuantizedModel
    store: object = None
    cache: dict = field(default_factory=dict)
    n_past: int = 0

    def __post_init__(self):
        if self.store is None:
            self.store = self.qm.store()

    def step(self, tokens, outputs: list[str] | None = None) -> dict:
        """Evaluate the graph on the next rows `tokens` (positions continue from the cache)."""
        t = np.asarray(tokens, dtype=np.int64).reshape(-1)
        if self.n_past + t.size > self.qm.graph.max_len:
            raise InputError(f"position {self.n_past + t.size - 1} is beyond the context length {self.qm.graph.max_len}")
        ctx = EvalContext(t, np.arange(self.n_past, self.n_past + t.size, dtype=np.int64), self.cache)
        outs = [self.qm.graph.meta["logits"]] if outputs is None else outputs
        res = self.qm.graph.run(self.store, ctx, outs)
        self.n_past += t.size
        return res

    def logits(self, tokens) -> np.ndarray:
        return self.step(tokens)[self.qm.graph.meta["logits"]]

    def next_token(self, tokens, on_logits: Callable[[np.ndarray], None] | None = None) -> int:
        """The greedy choice after `tokens` (the graph's Argmax node on the last row); `on_logits`
        sees that row's integer logits."""
        am, lg = self.qm.graph.meta["argmax"], self.qm.graph.meta["logits"]
        res = self.step(tokens, [am, lg] if on_logits else [am])
        if on_logits:
            on_logits(res[lg][-1])
        return int(res[am][-1])


@dataclass
class Generation:
    prompt_tokens: list[int]
    output_tokens: list[int]
    seconds: float
    prefill_seconds: float

    @property
    def tokens_per_s(self) -> float:
        decode = self.seconds - self.prefill_seconds
        n = len(self.output_tokens) - 1
        if n > 0 and decode > 0:
            return n / decode
        return len(self.output_tokens) / self.seconds if self.seconds > 0 else 0.0


def generate(qm: QuantizedModel, prompt, n_new: int, on_token: Callable[[int], None] | None = None,
             session: Session | None = None, on_logits: Callable[[np.ndarray], None] | None = None) -> Generation:
    """Greedy decoding: the first index of the max integer logit, `n_new` times."""
    p = check_tokens(qm, prompt, n_new)
    if p.size == 0:
        raise InputError("the prompt has no tokens")
    s = session or Session(qm)
    t0 = time.perf_counter()
    out: list[int] = []
    t_prefill = 0.0
    feed = p
    for _ in range(n_new):
        tok = s.next_token(feed, on_logits)
        if not out:
            t_prefill = time.perf_counter() - t0
        out.append(tok)
        if on_token:
            on_token(tok)
        feed = [tok]
    return Generation(p.tolist(), out, time.perf_counter() - t0, t_prefill)
