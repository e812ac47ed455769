"""`dp quantize`: float model (.dpm) -> integer program (.dpq).

Steps: tokenize the calibration text (the package's Britannica passage unless given), run the float
model over it observing every site (`calibrate`), build the graph with scales, integer weights,
multipliers and tables, checking every worst-case bound against (p - 1) / 2 (`graph.build`; an
overflow refuses the model naming the op), digest the result and write it atomically.

Weight commitments: `commit_weights(qm, dpq_path)` is the slot where the integration step commits
the integer weights (Basefold) and writes model.vk beside model.dpq; `quantize_model` calls it
last when given one. Until then the model is referenced by its content digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from typing import Callable

from deepprove_cli.errors import InputError
from deepprove_cli.model.dpq import QuantizedModel, write_dpq
from deepprove_cli.model.qformat import QuantConfig

CALIB_TOKENS = 512
CALIB_WINDOW = 256


def calibration_tokens(tokenizer, text: str, n: int = CALIB_TOKENS) -> list[int]:
    ids = tokenizer.encode(text)
    if len(ids) < 2:
        raise InputError("the calibration text is too short (it needs at least 2 tokens)")
    return ids[:n]


def quantize_loaded(model, text: str, qc: QuantConfig | None = None, source: dict | None = None,
                    progress: Callable[[str], None] | None = None) -> QuantizedModel:
    """Quantize an already loaded model (`model.dpm.LoadedModel`) calibrated on `text`."""
    from deepprove_cli.graph.build import build_graph
    from deepprove_cli.model.calibrate import calibrate
    from deepprove_cli.model.tokenizer import Tokenizer

    cfg = model.config
    qc = qc or QuantConfig()
    qc = dataclasses.replace(qc, max_len=min(qc.max_len, cfg.n_ctx))
    ids = calibration_tokens(Tokenizer(model.tokenizer), text)
    say = progress or (lambda _m: None)
    say(f"calibrating on {len(ids)} tokens")
    stats = calibrate(cfg, model.weights, ids, window=min(CALIB_WINDOW, qc.max_len))
    say("building the integer program")
    graph, arrays, tables = build_graph(cfg, model.weights, stats, qc)
    calib = {"tokens": len(ids), "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    qm = QuantizedModel(cfg, model.tokenizer, qc, graph, arrays, tables, source or {}, calib)
    qm.content_digest = qm.compute_digest()
    return qm


def dpm_source(path: str, meta: dict) -> dict:
    """Where the float model is, so `dp bench accuracy` can find the reference it was made from."""
    st = os.stat(path)
    return {"dpm": os.path.abspath(path), "dpm_size": st.st_size, "gguf": meta.get("source", {})}


def quantize_model(dpm_path: str, out_path: str, calib_text: str | None = None, qc: QuantConfig | None = None,
                   progress: Callable[[str], None] | None = None,
                   commit_weights: Callable[[QuantizedModel, str], None] | None = None) -> dict:
    """Quantize `dpm_path` into `out_path` (atomic); returns a summary for the CLI."""
    from deepprove_cli.data import calibration_text
    from deepprove_cli.model.dpm import load_model

    t0 = time.perf_counter()
    if out_path != "-":
        d = os.path.dirname(os.path.abspath(out_path))
        if not os.path.isdir(d):
            raise InputError(f"output directory does not exist: {d}")
    model = load_model(dpm_path)
    text = calibration_text() if calib_text is None else calib_text
    qm = quantize_loaded(model, text, qc, dpm_source(dpm_path, model.weights.meta), progress)
    n = write_dpq(out_path, qm)
    if commit_weights is not None:
        commit_weights(qm, out_path)
    return summary(qm, out_path, n, time.perf_counter() - t0)


def summary(qm: QuantizedModel, out: str, n_bytes: int, seconds: float) -> dict:
    g = qm.graph.summary()
    return {
        "arch": qm.config.arch, "output": out, "bytes": n_bytes, "seconds": round(seconds, 3),
        "content_digest": qm.content_digest, "nodes": g["nodes"], "node_kinds": g["kinds"],
        "max_intermediate": g["max_intermediate"], "max_intermediate_at": g["max_at"],
        "bound_margin_bits": g["margin_bits"], "max_len": qm.graph.max_len,
        "tables": [{"name": s.name, "kind": s.kind, "size": s.size, "lookups_per_token": s.lookups_per_token}
                   for s in qm.tables.specs.values()],
    }
