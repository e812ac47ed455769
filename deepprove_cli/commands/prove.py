"""`dp prove run.dpt [-o proof.bin]` or `dp prove --model model.dpq --prompt TEXT --tokens N [-o proof.bin]`.

Two ways in:
- from a run record (run.dpt, written by `dp infer -o`): its tokens are proven with the model it
  names (its dpq path, or --model); the run must be of this very model (model id, content digest);
- from a prompt: generate N tokens first (the text streams to stderr), then prove them. Without
  --model the default model is $DP_MODEL, else the one `make demo` prepares (demo/smollm2.dpq);
  without --prompt the prompt is read from stdin when one is piped in (`--prompt -` too).

The model is model.dpq with model.vk and model.dpc beside it (`dp quantize` writes all three); the
three are checked to belong together (`model.vk.load_model`). The proof file holds the statement,
the proof bytes and, unless --no-embed-vk, the verifying key (io/proof_file.py). Progress per
layer goes to stderr (a bar on a terminal only); `-o -` writes the proof to stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time

import click

from deepprove_cli.errors import InputError

DEFAULT_DEMO_MODEL = os.path.join("demo", "smollm2.dpq")


def default_model() -> str:
    """$DP_MODEL, else demo/smollm2.dpq here or in the source checkout `make demo` ran in."""
    env = os.environ.get("DP_MODEL")
    if env:
        return env
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for base in (os.getcwd(), repo):
        path = os.path.join(base, DEFAULT_DEMO_MODEL)
        if os.path.exists(path):
            return path
    raise InputError("no model given and no default model here",
                     hint="give --model model.dpq, set DP_MODEL, or run `make demo` once to prepare demo/smollm2.dpq")


def stdin_piped() -> bool:
    """Whether stdin is a pipe or a redirected file (not a terminal, /dev/null or closed)."""
    import stat

    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def prompt_text(prompt: str | None) -> str:
    """--prompt TEXT, --prompt - (stdin), or a prompt piped in on stdin when --prompt is absent."""
    from deepprove_cli.commands.quantize import read_text

    if prompt == "-" or (prompt is None and stdin_piped()):
        return read_text("-", "prompt")
    if prompt is None:
        raise InputError("no prompt: give --prompt TEXT or pipe the prompt on stdin",
                         hint='e.g. echo "The capital of France is" | dp prove --tokens 16')
    return prompt


def tokens_from_run(run: dict, run_path: str, files) -> tuple[list[int], list[int]]:
    """(prompt, outputs) of a run record (`model.trace.read_trace`), refused if it was made with
    another model."""
    ref = run["model"]
    rid = ref.get("model_id")
    if (rid is not None and rid != files.model_id) or ref.get("content_digest") != files.qm.content_digest:
        raise InputError(f"{run_path} was made with another model than {files.path}",
                         hint="prove it with the model it names (--model), or re-run dp infer with this one")
    if not run["output_tokens"]:
        raise InputError(f"{run_path} has no generated tokens: there is nothing to prove")
    return run["prompt_tokens"], run["output_tokens"]


def tokens_from_prompt(files, text: str, n_tokens: int) -> tuple[list[int], list[int], float]:
    """Generate like `dp infer` (the text streams to stderr): (prompt, outputs, seconds)."""
    from deepprove_cli.commands.infer import Streamer, prompt_tokens
    from deepprove_cli.model.infer import check_tokens, generate
    from deepprove_cli.model.tokenizer import Tokenizer

    tok = Tokenizer(files.qm.tokenizer)
    ids = prompt_tokens(tok, text)
    check_tokens(files.qm, ids, n_tokens)
    stream = Streamer(tok)
    gen = generate(files.qm, ids, n_tokens, on_token=stream)
    stream.finish()
    return gen.prompt_tokens, gen.output_tokens, gen.seconds


def prover_entry():
    """`prover.prove_sequence`, or a clear error where this version of dp has no prover."""
    import importlib.util

    if importlib.util.find_spec("deepprove_cli.prover") is None:
        raise InputError("the prover is not built yet in this version of dp")
    from deepprove_cli.prover import prove_sequence

    return prove_sequence


class LayerProgress:
    """The prover's progress(stage, done, total) callback, drawn as one bar on a terminal's stderr."""

    def __init__(self, bar):
        self.bar = bar

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.bar.update(description=f"proving: {stage}", completed=done, total=max(total, 1))


def prove_with(files, prompt: list[int], outputs: list[int], progress=None):
    """The prover's bundle for prompt + outputs under the model's id and weight parameters."""
    prove_sequence = prover_entry()
    return prove_sequence(files.qm, files.weights, list(prompt) + list(outputs), len(prompt), params=None,
                          progress=progress, model_id=files.model_id,
                          weight_params=files.vk.pcs if files.weights is not None else None)


def prove_tokens(files, prompt: list[int], outputs: list[int]):
    """Prove with a progress bar on a terminal; returns the bundle and the wall time."""
    from deepprove_cli.console import progress

    prover_entry()  # a clear error before the bar if this dp has no prover
    t0 = time.perf_counter()
    with progress("proving", total=1) as bar:
        bundle = prove_with(files, prompt, outputs, LayerProgress(bar))
    return bundle, time.perf_counter() - t0


def statement_of(bundle, files, prompt: list[int], outputs: list[int]) -> dict:
    """The prover's statement, checked to be about this model and these tokens (a mismatch is a bug)."""
    st = dict(bundle.statement)
    if st.get("model", {}).get("id") != files.model_id or st.get("prompt_tokens") != list(prompt) or \
            st.get("output_tokens") != list(outputs):
        raise RuntimeError("the prover's statement is not about the model and tokens it was given")
    return st


@click.command("prove", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run", required=False)
@click.option("--model", default=None, help="model.dpq (model.vk and model.dpc beside it); default: the run's "
                                            "model, else $DP_MODEL or demo/smollm2.dpq.")
@click.option("--prompt", default=None, help="Generate from this prompt first (- reads stdin; piped stdin if absent).")
@click.option("--tokens", "n_tokens", type=int, default=None, help="Tokens to generate and prove (with --prompt).")
@click.option("-o", "--output", default="proof.bin", show_default=True, help="The proof file (- for stdout).")
@click.option("--embed-vk/--no-embed-vk", default=True, show_default=True,
              help="Put the verifying key in the proof file (dp verify then needs nothing else).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def prove_cmd(run, model, prompt, n_tokens, output, embed_vk, as_json):
    """Prove that the quantized model produced a run's tokens (RUN = run.dpt) or N tokens from a prompt."""
    from deepprove_cli.console import info
    from deepprove_cli.io.proof_file import ProofFile, write_proof
    from deepprove_cli.model.vk import load_model

    if output == "-" and as_json:
        raise InputError("--json and -o - both want stdout", hint="write the proof to a file with -o")
    if run is not None and (prompt is not None or n_tokens is not None):
        raise InputError("give either a run record (run.dpt) or --prompt/--tokens, not both")
    if run is None and n_tokens is None:
        raise InputError("nothing to prove: give a run record (dp prove run.dpt) or --tokens N",
                         hint="e.g. dp prove --model model.dpq --prompt 'Hello' --tokens 16")
    if n_tokens is not None and n_tokens < 1:
        raise InputError(f"--tokens must be at least 1 (got {n_tokens}): there is nothing to prove")
    infer_s = None
    if run is not None:
        from deepprove_cli.model.trace import read_trace

        rec = read_trace(run)
        files = load_model(model or rec["model"].get("dpq") or default_model())
        prompt_ids, out_ids = tokens_from_run(rec, run, files)
    else:
        text = prompt_text(prompt)
        files = load_model(model or default_model())
        prompt_ids, out_ids, infer_s = tokens_from_prompt(files, text, n_tokens)
    info(f"proving {len(prompt_ids)} prompt + {len(out_ids)} generated tokens with model {files.model_id[:16]}...")
    bundle, prove_s = prove_tokens(files, prompt_ids, out_ids)
    pf = ProofFile(statement_of(bundle, files, prompt_ids, out_ids), bytes(bundle.proof_bytes),
                   files.vk.to_bytes() if embed_vk else None, dict(bundle.sizes))
    n = write_proof(output, pf)
    doc = {"proof": output, "file_bytes": n, "proof_bytes": len(pf.proof), "model_id": files.model_id,
           "prompt_tokens": prompt_ids, "output_tokens": out_ids, "infer_s": infer_s, "prove_s": round(prove_s, 3),
           "sizes": pf.sizes, "timings": getattr(bundle, "timings", {}), "stats": getattr(bundle, "stats", {})}
    if as_json:
        click.echo(json.dumps(doc))
    else:
        where = "stdout" if output == "-" else output
        info(f"proved in {prove_s:.1f} s: {len(pf.proof)} proof bytes ({n} with the statement"
             + (" and the key" if embed_vk else "") + f") -> {where}")
