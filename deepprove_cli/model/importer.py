"""GGUF -> .dpm: read the architecture config, check every tensor, dequantize, and stream the artifact.

Everything that can be wrong with the input is found before the first byte is written (structure,
architecture, hyperparameters, tensor names, shapes and types, tokenizer metadata); what can only
be seen while converting (non-finite weights) aborts the atomic write, so no output is half-written.
Tensors are dequantized one at a time and in row chunks, which keeps peak memory near the largest
single tensor.
"""

from __future__ import annotations

import collections
import gc
import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.io import container
from deepprove_cli.io.container import ArraySpec
from deepprove_cli.model.arch import ModelConfig, config_class
from deepprove_cli.model.dpm import DPM_MAGIC, DPM_VERSION
from deepprove_cli.model.gguf_file import Metadata, TensorInfo, open_gguf, read_tensor_bytes

CHUNK_ELEMENTS = 1 << 22


@dataclass
class ImportSummary:
    """What `dp import --json` prints."""

    arch: str
    name: str | None
    params: int
    tensor_types: dict[str, int]
    output: str
    bytes: int
    seconds: float
    source: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"arch": self.arch, "name": self.name, "params": self.params, "tensor_types": self.tensor_types,
                "output": self.output, "bytes": self.bytes, "seconds": round(self.seconds, 3),
                "source": self.source}


def _check_type_supported(t: TensorInfo, source: str) -> None:
    import gguf
    from gguf.quants import dequantize

    if t.type_name in ("F32", "F16", "F64"):
        return
    qtype = gguf.GGMLQuantizationType(t.type_id)
    try:
        dequantize(np.zeros((1, gguf.GGML_QUANT_SIZES[qtype][1]), dtype=np.uint8), qtype)
    except (NotImplementedError, ValueError, TypeError):
        raise InputError(f"{source}: tensor {t.name!r} has type {t.type_name}, which cannot be dequantized",
                         hint="re-quantize the model to a common type (F16, Q8_0, Q4_K, ...)") from None


def _check_finite(a: np.ndarray, name: str, source: str) -> None:
    flat = a.reshape(-1)
    for i in range(0, flat.size, CHUNK_ELEMENTS):
        if not np.isfinite(flat[i:i + CHUNK_ELEMENTS]).all():
            raise InputError(f"{source}: tensor {name!r} holds non-finite values (corrupt weights)")


def dequantize_raw(raw: np.ndarray, t: TensorInfo, keep_f16: bool = True) -> np.ndarray:
    """A tensor's bytes as float32 (float16 kept as is when `keep_f16`), numpy shape, new memory.

    Quantized tensors are dequantized a few rows at a time into the output, so the temporaries
    of gguf's dequantizer stay small next to a large embedding table."""
    import gguf
    from gguf.quants import dequantize

    name = t.type_name
    if name in ("F32", "F16", "F64"):
        src = raw.view({"F32": np.float32, "F16": np.float16, "F64": np.float64}[name]).reshape(t.shape)
        return np.array(src, dtype=np.float16 if name == "F16" and keep_f16 else np.float32)
    qtype = gguf.GGMLQuantizationType(t.type_id)
    block, type_size = gguf.GGML_QUANT_SIZES[qtype]
    rows = raw.reshape(-1, t.dims[0] // block * type_size)
    out = np.empty(t.shape, dtype=np.float32)
    flat = out.reshape(rows.shape[0], t.dims[0])
    step = max(1, CHUNK_ELEMENTS // t.dims[0])
    for i in range(0, rows.shape[0], step):
        flat[i:i + step] = dequantize(rows[i:i + step], qtype)
    return out


def read_config(reader, infos: list[TensorInfo], source: str) -> tuple[ModelConfig, dict[str, TensorInfo]]:
    """The architecture config, and the tensors it needs, each checked for presence, shape and type."""
    md = Metadata(reader, source)
    cls = config_class(md.get_str("general.architecture"), source)
    tensors = {t.name: t for t in infos}
    cfg = cls.from_gguf(md, {name: t.shape for name, t in tensors.items()})
    expected = cfg.tensor_shapes()
    for name, shape in expected.items():
        if name not in tensors:
            raise InputError(f"{source}: tensor {name!r} is missing (needed by a {cfg.arch} model)")
        if tensors[name].shape != shape:
            raise InputError(f"{source}: tensor {name!r} has shape {list(tensors[name].shape)}, expected {list(shape)}")
        _check_type_supported(tensors[name], source)
    extra = sorted(set(tensors) - set(expected))
    if extra:
        raise InputError(f"{source}: unexpected tensor {extra[0]!r} ({len(extra)} in all) for a {cfg.arch} model",
                         hint="this model variant is not supported")
    return cfg, {name: tensors[name] for name in expected}


def file_identity(path: str) -> dict:
    """Name, size and sha256 of the source file (read in chunks, not into memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return {"file": os.path.basename(path), "size": os.path.getsize(path), "sha256": h.hexdigest()}


def tokenizer_part(reader, source: str) -> tuple[dict, list[ArraySpec]]:
    """The tokenizer's meta and arrays, built by the tokenizer module from the GGUF metadata; building
    the tokenizer once here rejects vocabularies this dp cannot run (e.g. an unknown pre-tokenizer)."""
    from deepprove_cli.model.tokenizer import Tokenizer, TokenizerSpec

    try:
        spec = TokenizerSpec.from_gguf(reader)
        Tokenizer(spec)
        return spec.to_container()
    except InputError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError, OverflowError) as e:
        raise InputError(f"{source}: invalid tokenizer metadata ({e})") from None


def import_gguf(src: str, out: str, *, keep_f16: bool = True, on_tensor: Callable[[str], None] | None = None,
                source_name: str | None = None) -> ImportSummary:
    """Convert the GGUF file `src` to the .dpm artifact `out` (written atomically; `-` is stdout).

    `source_name` replaces the file name recorded in the artifact (e.g. "<stdin>")."""
    t0 = time.perf_counter()
    if out != "-":
        directory = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(directory):
            raise InputError(f"output directory does not exist: {directory}")
    reader, infos = open_gguf(src)
    cfg, tensors = read_config(reader, infos, src)
    tok_meta, tok_arrays = tokenizer_part(reader, src)
    model_name = Metadata(reader, src).get_str("general.name", default=None)
    del reader  # its per-entry metadata objects are most of the memory before the tensors
    gc.collect()
    source = file_identity(src)
    source["file"] = source_name or source["file"]
    source["name"] = model_name
    types = {name: t.type_name for name, t in tensors.items()}
    meta = {"config": cfg.to_json(), "tokenizer": tok_meta, "source": source, "tensor_types": types}

    def producer(t: TensorInfo):
        def produce():
            a = read_tensor_bytes(src, t, lambda raw: dequantize_raw(raw, t, keep_f16))
            _check_finite(a, t.name, src)
            if on_tensor:
                on_tensor(t.name)
            return a
        return produce

    specs = [ArraySpec(name, np.dtype(np.float16 if keep_f16 and t.type_name == "F16" else np.float32), t.shape,
                       produce=producer(t)) for name, t in tensors.items()]
    try:
        n = container.write(out, DPM_MAGIC, DPM_VERSION, meta, specs + list(tok_arrays))
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror or e}") from None
    return ImportSummary(arch=cfg.arch, name=model_name, params=cfg.n_params(),
                         tensor_types=dict(collections.Counter(types.values())), output=out, bytes=n,
                         seconds=time.perf_counter() - t0, source=source)
