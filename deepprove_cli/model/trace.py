"""The run.dpt artifact: what `dp prove` needs from `dp infer`.

Decision (measured, see below): run.dpt holds the tokens, not the trace. The prover re-runs the
graph's node evaluations on the whole sequence (one causal pass with advice) to get every witness;
that is deterministic, so the integers are exactly those `dp infer` computed. A digest of the
integer logits at the generated positions lets the prover check that its recomputation matches.

Measurement (SmolLM2-135M quantized, one full pass keeping every node output and piece of advice,
`trace_elements`, 2 shared cores): 1.0e8 elements at 32 tokens, 2.1e8 at 64, 4.3e8 at 128, 9.3e8 at
256 (recomputed in 34 s), exactly 3.07e6 T + 2160 T^2. At 1024 tokens that is 5.4e9 elements, 22 GB
even as int32. The T^2 part is 8 tensors per head and layer (the softmax's scaled scores, maxima,
differences, clamp parts, exp values, sums, probabilities, remainders); GPT-2 124M has 144 head-layers
to SmolLM2's 270, so about 1.2e9 quadratic elements at 1024 tokens plus a linear part of the same
order. Writing and reading that costs more than recomputing it, and would not fit the 24 GB budget
beside the prover. `dp bench infer` reports trace_elements and recompute_s for its run.

Layout (a `deepprove_cli.io.container` of kind DPTRACE, version 1):
  meta.model           {"content_digest", "arch", "dpq"}: the model reference (the model id once
                       weight commitments exist)
  meta.prompt_tokens   list of ids;  meta.output_tokens: the generated ids
  meta.logits_digest   a BLAKE3 chain over the int64 logits rows that chose each output token:
                       d_0 = 32 zero bytes, d_i = BLAKE3(d_(i-1) || row_i), hex of the last
  arrays "tokens"      int32, prompt followed by outputs (what the one-shot proof evaluates)
"""

from __future__ import annotations

import os

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.io import container
from deepprove_cli.io.container import ArraySpec

DPT_MAGIC = b"DPTRACE\0"
DPT_VERSION = 1


class LogitsChain:
    """The logits digest, fed one row at a time (decoding never holds every row)."""

    def __init__(self):
        self.state = bytes(32)

    def add(self, row: np.ndarray) -> None:
        from deepprove_cli.hash.blake3 import blake3

        self.state = blake3(self.state + np.ascontiguousarray(row, dtype="<i8").tobytes())

    def hex(self) -> str:
        return self.state.hex()


def logits_digest(rows: np.ndarray) -> str:
    """The chain over int64 logits rows (one per generated token)."""
    chain = LogitsChain()
    for r in np.asarray(rows):
        chain.add(r)
    return chain.hex()


def write_trace(path: str, model_ref: dict, prompt_tokens: list[int], output_tokens: list[int],
                digest: str | None) -> int:
    meta = {"model": model_ref, "prompt_tokens": [int(t) for t in prompt_tokens],
            "output_tokens": [int(t) for t in output_tokens], "logits_digest": digest}
    tokens = np.asarray(list(prompt_tokens) + list(output_tokens), dtype=np.int32)
    try:
        return container.write(path, DPT_MAGIC, DPT_VERSION, meta, [ArraySpec.of("tokens", tokens)])
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


def read_trace(path: str) -> dict:
    """The run as a dict: model, prompt_tokens, output_tokens, logits_digest (checked consistent)."""
    c = container.read(path, kind=DPT_MAGIC, versions=[DPT_VERSION])
    m = c.meta
    try:
        run = {"model": dict(m["model"]), "prompt_tokens": [int(t) for t in m["prompt_tokens"]],
               "output_tokens": [int(t) for t in m["output_tokens"]], "logits_digest": m.get("logits_digest")}
    except (KeyError, TypeError, ValueError):
        raise InputError(f"{path}: corrupt run record") from None
    if c["tokens"].tolist() != run["prompt_tokens"] + run["output_tokens"]:
        raise InputError(f"{path}: the token array does not match the recorded prompt and outputs")
    return run


def model_ref(qm, dpq_path: str) -> dict:
    return {"content_digest": qm.content_digest, "arch": qm.config.arch, "dpq": os.path.abspath(dpq_path)}


def trace_elements(results: dict) -> int:
    """Elements of a full pass's outputs and advice (`Graph.run(..., keep_all=True)`)."""
    return int(sum(np.asarray(v).size for v in results.values()))
