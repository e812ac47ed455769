"""GGUF -> .dpm: read the architecture config, check every tensor, dequantize, and stream the artifact.

Everything that can be wrong with the input is found before the first byte is written (structure,
architecture, hyperparameters, tensor names, shapes and types, tokenizer metadata); what can only
be seen while converting (non-finite weights) aborts the atomic write, so no output is half-written.
Tensors are dequantized one at a time and in row chunks, which keeps peak memory near the largest
single tensor.
"""

from __future__ import annotations

import collections
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
from deepprove_cli.model.gguf_file import Metadata, open_gguf

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


def numpy_shape(tensor) -> tuple[int, ...]:
    """GGUF lists dimensions innermost first; numpy wants them outermost first."""
    return tuple(int(d) for d in reversed(tensor.shape.tolist()))


def _check_type_supported(tensor, source: str) -> None:
    import gguf
    from gguf.quants import dequantize

    qtype = tensor.tensor_type
    if qtype in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16, gguf.GGMLQuantizationType.F64):
        return
    block, type_size = gguf.GGML_QUANT_SIZES[qtype]
    try:
        dequantize(np.zeros((1, type_size), dtype=np.uint8), qtype)
    except (NotImplementedError, ValueError, TypeError):
        raise InputError(f"{source}: tensor {tensor.name!r} has type {qtype.name}, which cannot be dequantized",
                         hint="re-quantize the model to a common type (F16, Q8_0, Q4_K, ...)") from None


def _check_finite(a: np.ndarray, name: str, source: str) -> None:
    flat = a.reshape(-1)
    for i in range(0, flat.size, CHUNK_ELEMENTS):
        if not np.isfinite(flat[i:i + CHUNK_ELEMENTS]).all():
            raise InputError(f"{source}: tensor {name!r} holds non-finite values (corrupt weights)")


def dequantize_tensor(tensor, source: str, keep_f16: bool = True) -> np.ndarray:
    """One tensor as float32 (float16 kept as is when `keep_f16`), in numpy shape, dequantized by rows."""
    import gguf
    from gguf.quants import dequantize

    Q = gguf.GGMLQuantizationType
    shape = numpy_shape(tensor)
    qtype = tensor.tensor_type
    if qtype == Q.F32 or (qtype == Q.F16 and keep_f16):
        out = np.asarray(tensor.data).reshape(shape)
    elif qtype in (Q.F16, Q.F64):
        out = np.asarray(tensor.data, dtype=np.float32).reshape(shape)
    else:
        raw = np.asarray(tensor.data).reshape(-1, tensor.data.shape[-1])
        out = np.empty(shape, dtype=np.float32)
        rows = out.reshape(raw.shape[0], -1)
        step = max(1, CHUNK_ELEMENTS // rows.shape[1])
        for i in range(0, raw.shape[0], step):
            rows[i:i + step] = dequantize(raw[i:i + step], qtype)
    _check_finite(out, tensor.name, source)
    return out


def file_identity(path: str) -> dict:
    """Name, size and sha256 of the source file (read in chunks, not into memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return {"file": os.path.basename(path), "size": os.path.getsize(path), "sha256": h.hexdigest()}


def tokenizer_part(reader, source: str) -> tuple[dict, list[ArraySpec]]:
    """The tokenizer's meta and arrays, built by the tokenizer module from the GGUF metadata."""
    from deepprove_cli.model.tokenizer import TokenizerSpec

    try:
        spec = TokenizerSpec.from_gguf(reader)
        return spec.to_container()
    except InputError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError, OverflowError) as e:
        raise InputError(f"{source}: invalid tokenizer metadata ({e})") from None


def read_config(reader, source: str) -> tuple[ModelConfig, dict[str, object]]:
    """The architecture config, and the GGUF tensors it needs, each checked for presence, shape and type."""
    md = Metadata(reader, source)
    cls = config_class(md.get_str("general.architecture"), source)
    tensors = {t.name: t for t in reader.tensors}
    shapes = {name: numpy_shape(t) for name, t in tensors.items()}
    cfg = cls.from_gguf(md, shapes)
    expected = cfg.tensor_shapes()
    for name, shape in expected.items():
        if name not in tensors:
            raise InputError(f"{source}: tensor {name!r} is missing (needed by a {cfg.arch} model)")
        if shapes[name] != shape:
            raise InputError(f"{source}: tensor {name!r} has shape {list(shapes[name])}, expected {list(shape)}")
        _check_type_supported(tensors[name], source)
    extra = sorted(set(tensors) - set(expected))
    if extra:
        raise InputError(f"{source}: unexpected tensor {extra[0]!r} ({len(extra)} in all) for a {cfg.arch} model",
                         hint="this model variant is not supported")
    return cfg, {name: tensors[name] for name in expected}


def import_gguf(src: str, out: str, *, keep_f16: bool = True, on_tensor: Callable[[str], None] | None = None,
                source_name: str | None = None) -> ImportSummary:
    """Convert the GGUF file `src` to the .dpm artifact `out` (written atomically; `-` is stdout).

    `source_name` replaces the file name recorded in the artifact (e.g. "<stdin>")."""
    t0 = time.perf_counter()
    if out != "-":
        directory = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(directory):
            raise InputError(f"output directory does not exist: {directory}")
    reader = open_gguf(src)
    cfg, tensors = read_config(reader, src)
    tok_meta, tok_arrays = tokenizer_part(reader, src)
    types = {name: t.tensor_type.name for name, t in tensors.items()}
    source = file_identity(src)
    if source_name is not None:
        source["file"] = source_name
    source["name"] = Metadata(reader, src).get_str("general.name", default=None)
    meta = {"config": cfg.to_json(), "tokenizer": tok_meta, "source": source, "tensor_types": types}

    def producer(t):
        def produce():
            a = dequantize_tensor(t, src, keep_f16)
            if on_tensor:
                on_tensor(t.name)
            return a
        return produce

    specs, shapes = [], cfg.tensor_shapes()
    for name, t in tensors.items():
        stays_f16 = keep_f16 and t.tensor_type.name == "F16"
        specs.append(ArraySpec(name, np.dtype(np.float16 if stays_f16 else np.float32), shapes[name],
                               produce=producer(t)))
    try:
        n = container.write(out, DPM_MAGIC, DPM_VERSION, meta, specs + list(tok_arrays))
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror or e}") from None
    return ImportSummary(arch=cfg.arch, name=source["name"], params=cfg.n_params(),
                         tensor_types=dict(collections.Counter(types.values())), output=out, bytes=n,
                         seconds=time.perf_counter() - t0, source=source)
