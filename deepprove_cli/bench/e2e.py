"""`dp bench e2e --model model.dpq --tokens N`: the whole job on one model, stage by stage.

Stages, each run once (a proof takes minutes; the first prove also loads the prover's kernels, as a
user's first `dp prove` does): load (dpq + vk + mapped weight commitment), infer (greedy generation
of N tokens from the prompt), prove (the prover on prompt + outputs), verify (from the proof's bytes,
as `dp verify` does). Prompt: the first `-p prompt_tokens=K` (default 8) tokens of the shipped
accuracy text. Without --model: the default model (`dp prove`'s: $DP_MODEL or demo/smollm2.dpq);
with --quick and no --model: a tiny synthetic llama made in a temporary directory (a smoke run).

Records (bench.record schema): e2e/infer (tokens/s), e2e/prove (baseline e2e/infer: speedup = infer
time / prove time, so 1/speedup is the prove/infer ratio), e2e/verify. Metrics: proof size and its
per-component breakdown, the prover's time per node kind and per phase (the bundle's timings), its
counts (elements committed, lookup rows per node kind, tables: the bundle's stats), security bits,
peak RSS per stage (each record's peak_rss_mb covers its stage only).
"""

from __future__ import annotations

import os
import tempfile

from deepprove_cli.bench.record import Record, measure, record

SUITE = "e2e"


def _tiny_model(directory: str) -> str:
    """A tiny llama with committed MLP weights (d_ff = 1024: 2^16-element matrices), quantized here."""
    from deepprove_cli.model.importer import import_gguf
    from deepprove_cli.model.quantize import quantize_model
    from deepprove_cli.model.synthetic import make_tiny_gguf
    from deepprove_cli.model.vk import CommitStep

    gguf, dpm, dpq = (os.path.join(directory, "tiny." + ext) for ext in ("gguf", "dpm", "dpq"))
    make_tiny_gguf(gguf, "llama", d_ff=1024)
    import_gguf(gguf, dpm)
    quantize_model(dpm, dpq, commit_weights=CommitStep())
    return dpq


def run_stages(dpq: str, n_tokens: int, n_prompt: int) -> list[Record]:
    from deepprove_cli.commands.prove import prove_with
    from deepprove_cli.commands.verify import security_of_report, verifier_entry
    from deepprove_cli.console import info
    from deepprove_cli.data import accuracy_text
    from deepprove_cli.io.proof_file import ProofFile, parse_proof, proof_bytes
    from deepprove_cli.model.infer import generate
    from deepprove_cli.model.tokenizer import Tokenizer
    from deepprove_cli.model.vk import VerifyingKey, load_model

    box: dict = {}
    t_load = measure(lambda: box.update(files=load_model(dpq)), 1, 0)
    files = box["files"]
    prompt = Tokenizer(files.qm.tokenizer).encode(accuracy_text())[:n_prompt]
    params = {"model": os.path.basename(dpq), "model_id": files.model_id, "tokens": n_tokens,
              "prompt_tokens": len(prompt)}
    info(f"e2e: infer {n_tokens} tokens")
    t_infer = measure(lambda: box.update(gen=generate(files.qm, prompt, n_tokens)), 1, 0)
    outputs = box["gen"].output_tokens
    out = [record(SUITE, "e2e/infer", t_infer, params=params, work=n_tokens, unit="tokens/s",
                  metrics={"load_s": round(t_load.median, 3), "load_peak_rss_mb": t_load.peak_rss_mb})]
    info("e2e: prove")
    t_prove = measure(lambda: box.update(bundle=prove_with(files, prompt, outputs)), 1, 0)
    bundle = box["bundle"]
    raw = proof_bytes(ProofFile(dict(bundle.statement), bytes(bundle.proof_bytes), files.vk.to_bytes(),
                                dict(bundle.sizes)))
    out.append(record(SUITE, "e2e/prove", t_prove, params=params, work=len(prompt) + n_tokens, unit="tokens/s",
                      baseline_name="e2e/infer", baseline=t_infer,
                      metrics={"prove_infer_ratio": round(t_prove.median / t_infer.median, 2),
                               "proof_bytes": len(bundle.proof_bytes), "file_bytes": len(raw),
                               "sizes": dict(bundle.sizes), "timings": dict(getattr(bundle, "timings", {}) or {}),
                               "stats": dict(getattr(bundle, "stats", {}) or {})}))
    verify_sequence = verifier_entry()
    info("e2e: verify")

    def verify():
        pf = parse_proof(raw, "proof")
        box["report"] = verify_sequence(VerifyingKey.from_bytes(pf.vk, "key"), pf.statement, pf.proof)

    t_verify = measure(verify, 1, 0)
    sec = security_of_report(box["report"])
    out.append(record(SUITE, "e2e/verify", t_verify, params=params,
                      metrics={"verify_s": round(t_verify.median, 4), "proof_bytes": len(bundle.proof_bytes),
                               "security_bits": sec["conjectured"], "security_bits_proven": sec["proven"]}))
    return out


def run(opts) -> list[Record]:
    from deepprove_cli.commands.prove import default_model
    from deepprove_cli.errors import InputError

    n_tokens = opts.tokens or (2 if opts.quick else 16)
    n_prompt = int(opts.extra.get("prompt_tokens", 8))
    if n_tokens < 1 or n_prompt < 1:
        raise InputError("dp bench e2e: --tokens and -p prompt_tokens must be at least 1")
    if opts.model is None and opts.quick:
        with tempfile.TemporaryDirectory() as tmp:
            return run_stages(_tiny_model(tmp), n_tokens, n_prompt)
    return run_stages(opts.model or default_model(), n_tokens, n_prompt)
