"""`dp quantize model.dpm [-o model.dpq] [--calib TEXTFILE]`: the float model -> its integer program."""

from __future__ import annotations

import dataclasses
import json
import os
import sys

import click

from deepprove_cli.errors import InputError


def default_output(model: str) -> str:
    stem = os.path.basename(model)
    if stem.lower().endswith(".dpm"):
        stem = stem[:-4]
    return (stem or "model") + ".dpq"


def read_text(path: str, what: str) -> str:
    """A UTF-8 text file (or stdin for `-`), with a clear error for anything else."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except (IsADirectoryError, PermissionError) as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"the {what} is not valid UTF-8 text") from None


@click.command("quantize", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("model")
@click.option("-o", "--output", default=None, help="Output .dpq path (default: <model>.dpq here; - for stdout).")
@click.option("--calib", default=None, help="Calibration text file (default: the shipped Britannica passage).")
@click.option("--ctx", type=int, default=None, help="Positions the quantized model supports (default: 4096 or less).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def quantize_cmd(model, output, calib, ctx, as_json):
    """Quantize MODEL.dpm into an exact integer program (.dpq): calibrated scales, integer weights,
    lookup tables, and every accumulator's worst case checked against the field."""
    from deepprove_cli.console import info
    from deepprove_cli.model.qformat import QuantConfig
    from deepprove_cli.model.quantize import quantize_model

    out = output or default_output(model)
    if out == "-" and as_json:
        raise InputError("--json and -o - both want stdout", hint="write the model to a file with -o")
    qc = QuantConfig()
    if ctx is not None:
        if ctx < 1:
            raise InputError("--ctx must be at least 1")
        qc = dataclasses.replace(qc, max_len=ctx)
    text = read_text(calib, "calibration text") if calib else None
    from deepprove_cli.model.vk import CommitStep

    commit = CommitStep(progress=info) if out != "-" else None  # model.vk and model.dpc go beside the dpq
    summary = quantize_model(model, out, text, qc, progress=info, commit_weights=commit)
    if commit is not None:
        summary.update(commit.summary(out))
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    info(f"quantized {summary['arch']} model: {summary['nodes']} ops, {len(summary['tables'])} tables, "
         f"worst intermediate {summary['max_intermediate']} ({summary['bound_margin_bits']} bits below (p-1)/2)")
    if out != "-":
        info(f"wrote {out} ({summary['bytes'] / 1e6:.1f} MB) in {summary['seconds']:.1f} s; "
             f"content digest {summary['content_digest'][:16]}...")
        info(f"wrote {summary['vk']} ({summary['vk_bytes'] / 1e6:.1f} MB) and committed {summary['committed_arrays']} "
             f"weight arrays in {summary['commit_s']:.1f} s" + (f" -> {summary['dpc']}" if summary["dpc"] else ""))
        info(f"model id {summary['model_id']}")
    else:
        info("no model.vk: the quantized model went to stdout (use -o FILE to get model.vk and model.dpc)")
