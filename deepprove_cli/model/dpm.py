"""The .dpm model artifact: architecture config, tokenizer and float weights in one container.

Layout (a `deepprove_cli.io.container` of kind DPMODEL, version 1):
  meta.config     the architecture config (`ModelConfig.to_json()`)
  meta.tokenizer  the tokenizer spec's meta (its big lists are arrays named "tokenizer.*")
  meta.source     where the weights came from: file name, size, sha256, GGUF general.name
  meta.tensor_types  each tensor's GGML type in the source file
  arrays          one per tensor, llama.cpp names, numpy shapes ((out, in) for matrices),
                  float32 (float16 where the source was F16)

`load_model` memory-maps the file: weights are views, read only when used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.io import container
from deepprove_cli.model.arch import ModelConfig, config_from_json

DPM_MAGIC = b"DPMODEL\0"
DPM_VERSION = 1
WEIGHT_DTYPES = (np.dtype("<f4"), np.dtype("<f2"))


class Weights(Mapping):
    """The model's tensors by llama.cpp name: lazy views of the memory-mapped file."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict):
        self._arrays = arrays
        self.meta = meta

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def f32(self, name: str) -> np.ndarray:
        """The tensor as float32 (a view when stored as float32, a converted copy for float16)."""
        return np.asarray(self._arrays[name], dtype=np.float32)


class LoadedModel(NamedTuple):
    config: ModelConfig
    weights: Weights
    tokenizer: object  # deepprove_cli.model.tokenizer.TokenizerSpec


def load_tokenizer_spec(meta: dict, c: container.Container):
    """The tokenizer part of a .dpm (kept separate: the tokenizer module owns its format)."""
    from deepprove_cli.model.tokenizer import TokenizerSpec

    if not isinstance(meta.get("tokenizer"), dict):
        raise InputError(f"{c.source}: the model file has no tokenizer")
    return TokenizerSpec.from_container(meta["tokenizer"], c)


def load_model(path: str) -> LoadedModel:
    """Read a .dpm: (config, weights, tokenizer spec). Every tensor's presence, shape and dtype is checked."""
    c = container.read(path, kind=DPM_MAGIC, versions=[DPM_VERSION])
    cfg = config_from_json(c.meta.get("config"), c.source)
    arrays = {}
    for name, shape in cfg.tensor_shapes().items():
        a = c[name]
        if tuple(a.shape) != tuple(shape):
            raise InputError(f"{c.source}: tensor {name!r} has shape {list(a.shape)}, the config needs {list(shape)}")
        if a.dtype not in WEIGHT_DTYPES:
            raise InputError(f"{c.source}: tensor {name!r} has dtype {a.dtype}, expected float32 or float16")
        arrays[name] = a
    return LoadedModel(cfg, Weights(arrays, c.meta), load_tokenizer_spec(c.meta, c))
