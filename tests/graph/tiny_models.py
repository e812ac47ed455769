"""Tiny quantized models of every architecture, built once per test session directory."""

from __future__ import annotations

import os

ARCHS = ("gpt2", "llama", "gemma3")
PROMPT = "the cat sat on the mat. hello world, the cat is in the hat"


def tiny_paths(arch: str, directory: str, **overrides) -> tuple[str, str]:
    """(dpm, dpq) of a tiny synthetic model of `arch` (written on first use)."""
    from deepprove_cli.model.importer import import_gguf
    from deepprove_cli.model.quantize import quantize_model
    from deepprove_cli.model.synthetic import make_tiny_gguf

    tag = arch + "".join(f"-{k}{v}" for k, v in sorted(overrides.items()))
    gguf, dpm, dpq = (os.path.join(directory, f"{tag}.{ext}") for ext in ("gguf", "dpm", "dpq"))
    if not os.path.exists(dpq):
        make_tiny_gguf(gguf, arch, **overrides)
        import_gguf(gguf, dpm)
        quantize_model(dpm, dpq)
    return dpm, dpq


def with_version(path: str, directory, version: int) -> str:
    """A copy of an artifact whose header claims another format version."""
    import struct

    raw = bytearray(open(path, "rb").read())
    struct.pack_into("<I", raw, 8, version)
    out = os.path.join(str(directory), f"v{version}-" + os.path.basename(path))
    with open(out, "wb") as f:
        f.write(bytes(raw))
    return out
