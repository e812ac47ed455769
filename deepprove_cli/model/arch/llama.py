"""LLaMA (and SmolLM2): RMSNorm, RoPE in llama.cpp's NORM style, grouped-query attention, SiLU-gated MLP.

llama.cpp rotates adjacent pairs (2i, 2i+1) for this architecture; its converter permutes the Q/K
rows of Hugging Face checkpoints so that this matches. Llama-3.1-style frequency factors come as
the optional tensor `rope_freqs.weight`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from deepprove_cli.model.arch.base import (RotaryConfig, common_from_gguf, gated_block_shapes,
                                           layer_names, rope_from_gguf)
from deepprove_cli.model.gguf_file import Metadata


@dataclass(frozen=True, kw_only=True)
class LlamaConfig(RotaryConfig):
    arch: ClassVar[str] = "llama"

    has_rope_freqs: bool = False

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        d = self.d_model
        shapes = {"token_embd.weight": (self.n_vocab, d)}
        if self.has_rope_freqs:
            shapes["rope_freqs.weight"] = (self.rope_dim // 2,)
        shapes.update(layer_names(self.n_layer, gated_block_shapes(self)))
        shapes["output_norm.weight"] = (d,)
        if not self.tied_embeddings:
            shapes["output.weight"] = (self.n_vocab, d)
        return shapes

    @classmethod
    def from_gguf(cls, md: Metadata, shapes: dict[str, tuple[int, ...]]) -> "LlamaConfig":
        common = common_from_gguf(md, cls.arch, shapes)
        cfg = cls(
            **common,
            **rope_from_gguf(md, cls.arch, common["head_dim"]),
            norm_eps=md.get_float("llama.attention.layer_norm_rms_epsilon", lo=0.0, hi=1.0),
            has_rope_freqs="rope_freqs.weight" in shapes,
        )
        cfg.validate(md.source)
        return cfg
