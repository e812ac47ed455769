"""Gemma 3: scaled embeddings, pre+post norms, Q/K RMS norms, GELU-gated MLP, local and global layers.

Following llama.cpp: RoPE in NEOX style (pairs i, i + d/2); local (sliding-window) layers use base
10000 (or `gemma3.rope.freq_base_swa`) without scaling, global layers `gemma3.rope.freq_base` with
the model's scaling; every 6th layer is global unless `gemma3.attention.sliding_window_pattern`
says otherwise (and all are, without `gemma3.attention.sliding_window`); queries are scaled by 1/sqrt(head_dim) (1/sqrt(d_model/n_head) for the 27B model).
RMSNorm weights are used as stored: llama.cpp's converter already added Gemma's +1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from deepprove_cli.errors import InputError
from deepprove_cli.model.arch.base import (RotaryConfig, common_from_gguf, gated_block_shapes,
                                           layer_names, rope_from_gguf)
from deepprove_cli.model.gguf_file import Metadata

DEFAULT_SWA_PATTERN = 6
DEFAULT_LOCAL_ROPE_BASE = 10000.0


@dataclass(frozen=True, kw_only=True)
class Gemma3Config(RotaryConfig):
    arch: ClassVar[str] = "gemma3"
    rope_neox: ClassVar[bool] = True

    rope_base_local: float
    sliding_window: int
    local_layers: tuple[int, ...]
    attn_scale: float
    attn_logit_softcap: float | None = None
    final_logit_softcap: float | None = None

    @property
    def embed_scale(self) -> float:
        """Token embeddings are multiplied by sqrt(d_model) (llama.cpp: sqrtf in float32)."""
        return math.sqrt(self.d_model)

    def is_local(self, layer: int) -> bool:
        return layer in self.local_layers

    def layer_rope(self, layer: int) -> tuple[float, float]:
        """(base, freq_scale) of a layer's RoPE."""
        return (self.rope_base_local, 1.0) if self.is_local(layer) else (self.rope_base, self.rope_freq_scale)

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        d, hd = self.d_model, self.head_dim
        shapes = {"token_embd.weight": (self.n_vocab, d)}
        block = gated_block_shapes(self)
        block.update({"attn_q_norm.weight": (hd,), "attn_k_norm.weight": (hd,),
                      "post_attention_norm.weight": (d,), "post_ffw_norm.weight": (d,)})
        shapes.update(layer_names(self.n_layer, block))
        shapes["output_norm.weight"] = (d,)
        if not self.tied_embeddings:
            shapes["output.weight"] = (self.n_vocab, d)
        return shapes

    def validate(self, source: str) -> None:
        super().validate(source)
        if (self.sliding_window < 0 or (self.local_layers and self.sliding_window < 1)
                or any(not 0 <= i < self.n_layer for i in self.local_layers)):
            raise InputError(f"{source}: invalid sliding-window settings")
        for cap in (self.attn_logit_softcap, self.final_logit_softcap):
            if cap is not None and not cap > 0:
                raise InputError(f"{source}: soft-capping value {cap} must be positive")

    @classmethod
    def from_gguf(cls, md: Metadata, shapes: dict[str, tuple[int, ...]]) -> "Gemma3Config":
        common = common_from_gguf(md, cls.arch, shapes)
        n_layer = common["n_layer"]
        key = "gemma3.attention.sliding_window_pattern"
        window = md.get_int("gemma3.attention.sliding_window", default=0, lo=0, hi=1 << 24)
        flags = md.bool_array(key, n_layer)
        if window == 0:  # llama.cpp: no window, no local layers
            flags = [False] * n_layer
        elif flags is None:
            pattern = md.get_int(key, default=DEFAULT_SWA_PATTERN, lo=0, hi=n_layer + 1 if n_layer > 0 else 1)
            # llama.cpp's set_swa_pattern: layer il is local iff pattern == 0 or il % pattern < pattern - 1.
            flags = [pattern == 0 or i % pattern < pattern - 1 for i in range(n_layer)]
        if n_layer == 62:  # Gemma 3 27B: llama.cpp scales queries by 1/sqrt(d_model / n_head)
            attn_scale = 1.0 / math.sqrt(common["d_model"] / common["n_head"])
        else:
            attn_scale = 1.0 / math.sqrt(common["head_dim"])
        cfg = cls(
            **common,
            **rope_from_gguf(md, cls.arch, common["head_dim"]),
            rope_base_local=md.get_float("gemma3.rope.freq_base_swa", default=DEFAULT_LOCAL_ROPE_BASE, lo=1.0, hi=1e12),
            norm_eps=md.get_float("gemma3.attention.layer_norm_rms_epsilon", lo=0.0, hi=1.0),
            sliding_window=window,
            local_layers=tuple(i for i, f in enumerate(flags) if f),
            attn_scale=attn_scale,
            attn_logit_softcap=md.get_float("gemma3.attn_logit_softcapping", default=None, lo=1e-6, hi=1e6),
            final_logit_softcap=md.get_float("gemma3.final_logit_softcapping", default=None, lo=1e-6, hi=1e6),
        )
        cfg.validate(md.source)
        return cfg
