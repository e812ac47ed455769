"""GPT-2: learned positions, LayerNorm with biases, fused QKV with biases, GELU MLP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from deepprove_cli.errors import InputError
from deepprove_cli.model.arch.base import ModelConfig, common_from_gguf, layer_names
from deepprove_cli.model.gguf_file import Metadata


@dataclass(frozen=True, kw_only=True)
class Gpt2Config(ModelConfig):
    arch: ClassVar[str] = "gpt2"

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        d, ff = self.d_model, self.d_ff
        shapes = {"token_embd.weight": (self.n_vocab, d), "position_embd.weight": (self.n_ctx, d)}
        shapes.update(layer_names(self.n_layer, {
            "attn_norm.weight": (d,), "attn_norm.bias": (d,),
            "attn_qkv.weight": (3 * d, d), "attn_qkv.bias": (3 * d,),
            "attn_output.weight": (d, d), "attn_output.bias": (d,),
            "ffn_norm.weight": (d,), "ffn_norm.bias": (d,),
            "ffn_up.weight": (ff, d), "ffn_up.bias": (ff,),
            "ffn_down.weight": (d, ff), "ffn_down.bias": (d,),
        }))
        shapes.update({"output_norm.weight": (d,), "output_norm.bias": (d,)})
        if not self.tied_embeddings:
            shapes["output.weight"] = (self.n_vocab, d)
        return shapes

    def validate(self, source: str) -> None:
        super().validate(source)
        if self.n_kv_head != self.n_head or self.head_dim * self.n_head != self.d_model:
            raise InputError(f"{source}: GPT-2 needs n_kv_head == n_head and head_dim * n_head == d_model")

    @classmethod
    def from_gguf(cls, md: Metadata, shapes: dict[str, tuple[int, ...]]) -> "Gpt2Config":
        common = common_from_gguf(md, cls.arch, shapes)
        cfg = cls(**common, norm_eps=md.get_float("gpt2.attention.layer_norm_epsilon", lo=0.0, hi=1.0))
        cfg.validate(md.source)
        return cfg
