"""`dp infer model.dpq --prompt TEXT --tokens N [-o run.dpt] [--json]`: greedy decoding, integers only.

Rules for input: `--prompt -` reads UTF-8 from stdin. An empty prompt is refused unless the model's
tokenizer adds BOS (then the prompt is just BOS). `--tokens 0` is refused: there would be nothing to
generate or prove. Prompt plus new tokens beyond the quantized model's context is refused before
anything runs. The generated text streams to stderr as tokens arrive (bytes decoded incrementally:
a character may span tokens); with --json, stdout gets one JSON document and nothing else.
"""

from __future__ import annotations

import codecs
import json
import sys

import click

from deepprove_cli.errors import InputError


def prompt_tokens(tokenizer, text: str) -> list[int]:
    ids = tokenizer.encode(text)
    if not ids:
        raise InputError("the prompt is empty and this model's tokenizer adds no BOS token",
                         hint="give some text with --prompt")
    return ids


class Streamer:
    """Writes each token's text to stderr as soon as its bytes complete a character."""

    def __init__(self, tokenizer, out=None):
        self.tok = tokenizer
        self.out = out if out is not None else sys.stderr
        self.dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text: list[str] = []

    def __call__(self, token: int) -> None:
        s = self.dec.decode(self.tok.decode_token(token))
        self.text.append(s)
        if s:
            self.out.write(s)
            self.out.flush()

    def finish(self) -> str:
        s = self.dec.decode(b"", final=True)
        self.text.append(s)
        if s:
            self.out.write(s)
        self.out.write("\n")
        self.out.flush()
        return "".join(self.text)


@click.command("infer", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("model")
@click.option("--prompt", required=True, help="Prompt text (- reads stdin).")
@click.option("--tokens", "n_tokens", type=int, required=True, help="Tokens to generate (at least 1).")
@click.option("-o", "--output", default=None, help="Write the run record (run.dpt) for dp prove.")
@click.option("--json", "as_json", is_flag=True, help="Print {model, prompt_tokens, output_tokens, text, ...} on stdout.")
def infer_cmd(model, prompt, n_tokens, output, as_json):
    """Generate N tokens greedily with the integer program of MODEL.dpq."""
    from deepprove_cli.commands.quantize import read_text
    from deepprove_cli.model.dpq import load_dpq
    from deepprove_cli.model.infer import check_tokens, generate
    from deepprove_cli.model.tokenizer import Tokenizer
    from deepprove_cli.model.trace import LogitsChain, model_ref, write_trace

    if n_tokens < 1:
        raise InputError(f"--tokens must be at least 1 (got {n_tokens}): there is nothing to generate")
    if output == "-" and as_json:
        raise InputError("--json and -o - both want stdout", hint="write the run record to a file with -o")
    text = read_text("-", "prompt") if prompt == "-" else prompt
    qm = load_dpq(model)
    tok = Tokenizer(qm.tokenizer)
    ids = prompt_tokens(tok, text)
    check_tokens(qm, ids, n_tokens)
    stream = Streamer(tok)
    chain = LogitsChain()
    gen = generate(qm, ids, n_tokens, on_token=stream, on_logits=chain.add)
    out_text = stream.finish()
    from deepprove_cli.model.vk import model_id_beside

    ref = dict(model_ref(qm, model), model_id=model_id_beside(model))  # the vk's hash (None: no model.vk)
    if output:
        write_trace(output, ref, gen.prompt_tokens, gen.output_tokens, chain.hex())
    doc = {"model": qm.content_digest, "arch": qm.config.arch, "prompt_tokens": gen.prompt_tokens,
           "output_tokens": gen.output_tokens, "text": out_text, "tokens_per_s": round(gen.tokens_per_s, 3),
           "prefill_s": round(gen.prefill_seconds, 4), "seconds": round(gen.seconds, 4),
           "logits_digest": chain.hex(), "run": output, "model_id": ref["model_id"]}
    if as_json:
        click.echo(json.dumps(doc))
    else:
        print(f"{len(gen.output_tokens)} tokens, {gen.tokens_per_s:.2f} tokens/s", file=sys.stderr)
