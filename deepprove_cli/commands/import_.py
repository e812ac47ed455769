"""`dp import MODEL.gguf [-o model.dpm]`: convert a llama.cpp GGUF model to the .dpm artifact."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

import click

from deepprove_cli.errors import InputError


def default_output(model: str) -> str:
    """`<stem>.dpm` in the current directory (the GGUF may sit in a read-only place)."""
    stem = os.path.basename(model)
    if stem.lower().endswith(".gguf"):
        stem = stem[:-5]
    return (stem or "model") + ".dpm"


def _stdin_to_file() -> str:
    """GGUF files are memory-mapped: spool stdin to a temporary file first."""
    fd, path = tempfile.mkstemp(prefix="dp-import-", suffix=".gguf")
    with os.fdopen(fd, "wb") as f:
        shutil.copyfileobj(sys.stdin.buffer, f, 8 << 20)
    return path


@click.command("import", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("model")
@click.option("-o", "--output", default=None, help="Output .dpm path (default: <model>.dpm here; - for stdout).")
@click.option("--f32", "all_f32", is_flag=True, help="Store F16 tensors as float32 too (default: keep float16).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def import_cmd(model, output, all_f32, as_json):
    """Import MODEL.gguf (gpt2, llama or gemma3; any GGUF tensor type) into a .dpm model file."""
    from deepprove_cli.console import info, progress
    from deepprove_cli.model.importer import import_gguf

    out = output or default_output("model.gguf" if model == "-" else model)
    if out == "-" and as_json:
        raise InputError("--json and -o - both want stdout", hint="write the model to a file with -o")
    src = _stdin_to_file() if model == "-" else model
    try:
        with progress(f"importing {os.path.basename(src)}") as bar:
            summary = import_gguf(src, out, keep_f16=not all_f32, on_tensor=lambda _name: bar.advance(),
                                  source_name="<stdin>" if model == "-" else None)
    finally:
        if model == "-":
            os.unlink(src)
    if as_json:
        click.echo(json.dumps(summary.to_json(), indent=1))
        return
    types = ", ".join(f"{t} x{n}" for t, n in sorted(summary.tensor_types.items()))
    info(f"imported {summary.arch} model {summary.name or ''!s}: {summary.params / 1e6:.1f}M parameters "
         f"({types})")
    if out != "-":
        info(f"wrote {out} ({summary.bytes / 1e6:.1f} MB) in {summary.seconds:.1f} s")
