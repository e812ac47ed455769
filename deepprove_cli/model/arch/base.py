"""What every architecture's config shares: sizes read from GGUF metadata, checks, and a JSON form.

A config is the one description of a model's shape that every later stage (float reference,
quantization, graph, verifying key) reads; it round-trips through JSON exactly.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass
from typing import ClassVar

from deepprove_cli.errors import InputError
from deepprove_cli.model.gguf_file import Metadata

MAX_WIDTH = 1 << 20
MAX_LAYERS = 1024


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Sizes common to every decoder-only transformer we import."""

    arch: ClassVar[str] = ""

    n_vocab: int
    n_ctx: int
    d_model: int
    n_layer: int
    n_head: int
    n_kv_head: int
    head_dim: int
    d_ff: int
    norm_eps: float
    tied_embeddings: bool

    # --- tensors -------------------------------------------------------------------------------
    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every tensor the model needs: llama.cpp name -> numpy shape ((out, in) for matrices)."""
        raise NotImplementedError

    @property
    def output_weight(self) -> str:
        """The unembedding matrix: `output.weight`, or `token_embd.weight` when tied."""
        return "token_embd.weight" if self.tied_embeddings else "output.weight"

    def n_params(self) -> int:
        return sum(math.prod(s) for s in self.tensor_shapes().values())

    # --- JSON ----------------------------------------------------------------------------------
    def to_json(self) -> dict:
        d = {"arch": self.arch}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            d[f.name] = list(v) if isinstance(v, tuple) else v
        return d

    @classmethod
    def from_json(cls, d: dict, source: str) -> "ModelConfig":
        """Rebuild a config from `to_json()` output, checking every field's presence and type."""
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}
        extra = set(d) - names - {"arch"}
        missing = names - set(d)
        if extra or missing:
            raise InputError(f"{source}: model config has unknown fields {sorted(extra)} / misses {sorted(missing)}")
        values = {}
        for name in names:
            values[name] = _coerce(d[name], hints[name], f"{source}: config field {name!r}")
        cfg = cls(**values)
        cfg.validate(source)
        return cfg

    # --- checks --------------------------------------------------------------------------------
    def validate(self, source: str) -> None:
        """Reject sizes no real model has, so later stages never divide by zero or allocate absurdly."""
        for name in ("n_vocab", "n_ctx", "d_model", "n_head", "n_kv_head", "head_dim", "d_ff"):
            v = getattr(self, name)
            if not 1 <= v <= (1 << 24 if name in ("n_vocab", "n_ctx") else MAX_WIDTH):
                raise InputError(f"{source}: {name} = {v} is out of range")
        if not 1 <= self.n_layer <= MAX_LAYERS:
            raise InputError(f"{source}: n_layer = {self.n_layer} is out of range")
        if self.n_head % self.n_kv_head:
            raise InputError(f"{source}: {self.n_head} attention heads are not a multiple of {self.n_kv_head} K/V heads")
        if not (0.0 < self.norm_eps < 1.0):
            raise InputError(f"{source}: norm epsilon {self.norm_eps} is out of range")


@dataclass(frozen=True, kw_only=True)
class RotaryConfig(ModelConfig):
    """A model with rotary position embeddings (llama.cpp's ggml_rope_ext parameters)."""

    rope_neox: ClassVar[bool] = False  # NEOX pairs (i, i + d/2); otherwise NORM pairs (2i, 2i + 1)

    rope_dim: int
    rope_base: float
    rope_freq_scale: float

    def validate(self, source: str) -> None:
        super().validate(source)
        check_rope_dim(source, self.rope_dim, self.head_dim)


def _coerce(value, hint, what: str):
    """Check one JSON value against a field's type hint (int, float, bool, str, tuple[int, ...], optional)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise InputError(f"{what} must be a list")
        return tuple(_coerce(v, args[0], what) for v in value)
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, hint)
    if not ok:
        raise InputError(f"{what} has the wrong type ({value!r})")
    return value


def common_from_gguf(md: Metadata, arch: str, shapes: dict[str, tuple[int, ...]]) -> dict:
    """The shared fields, read the way llama.cpp reads them (key/value lengths default to d/n_head)."""
    d_model = md.get_int(f"{arch}.embedding_length", hi=MAX_WIDTH)
    n_head = md.get_int(f"{arch}.attention.head_count", hi=MAX_WIDTH)
    n_kv_head = md.get_int(f"{arch}.attention.head_count_kv", default=n_head, hi=MAX_WIDTH)
    head_dim = md.get_int(f"{arch}.attention.key_length", default=d_model // n_head, lo=1, hi=MAX_WIDTH)
    v_dim = md.get_int(f"{arch}.attention.value_length", default=head_dim, hi=MAX_WIDTH)
    if v_dim != head_dim:
        raise InputError(f"{md.source}: value length {v_dim} differs from key length {head_dim} (not supported)")
    embd = shapes.get("token_embd.weight")
    if embd is None:
        raise InputError(f"{md.source}: tensor 'token_embd.weight' is missing")
    if len(embd) != 2:
        raise InputError(f"{md.source}: tensor 'token_embd.weight' has shape {list(embd)}, expected 2 dimensions")
    n_vocab = embd[0]
    declared = md.get_int(f"{arch}.vocab_size", default=None, hi=1 << 24)
    if declared is not None and declared != n_vocab:
        raise InputError(f"{md.source}: {arch}.vocab_size = {declared} but token_embd has {n_vocab} rows")
    n_tokens = md.string_array_len("tokenizer.ggml.tokens")
    if n_tokens is not None and n_tokens != n_vocab:
        raise InputError(f"{md.source}: the tokenizer has {n_tokens} tokens but token_embd has {n_vocab} rows")
    return dict(
        n_vocab=n_vocab,
        n_ctx=md.get_int(f"{arch}.context_length", hi=1 << 24),
        d_model=d_model,
        n_layer=md.get_int(f"{arch}.block_count", hi=MAX_LAYERS),
        n_head=n_head,
        n_kv_head=n_kv_head,
        head_dim=head_dim,
        d_ff=md.get_int(f"{arch}.feed_forward_length", hi=MAX_WIDTH),
        tied_embeddings="output.weight" not in shapes,
    )


def rope_from_gguf(md: Metadata, arch: str, head_dim: int) -> dict:
    """RoPE parameters: rotated dimensions, base, and linear scaling (other scalings are refused)."""
    rope_dim = md.get_int(f"{arch}.rope.dimension_count", default=head_dim, hi=MAX_WIDTH)
    check_rope_dim(md.source, rope_dim, head_dim)
    scaling = md.get_str(f"{arch}.rope.scaling.type", default="none")
    factor = md.get_float(f"{arch}.rope.scaling.factor", default=None, lo=1e-6, hi=1e6)
    if factor is None:
        factor = md.get_float(f"{arch}.rope.scale_linear", default=1.0, lo=1e-6, hi=1e6)
        if factor != 1.0:
            scaling = "linear"
    if scaling not in ("none", "linear"):
        raise InputError(f"{md.source}: RoPE scaling {scaling!r} is not supported (only none and linear)")
    return dict(
        rope_dim=rope_dim,
        rope_base=md.get_float(f"{arch}.rope.freq_base", default=10000.0, lo=1.0, hi=1e12),
        rope_freq_scale=1.0 if scaling == "none" else 1.0 / factor,
    )


def layer_names(n_layer: int, suffixes: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """`blk.{i}.{suffix}` -> shape for every layer, in layer order."""
    return {f"blk.{i}.{s}": shape for i in range(n_layer) for s, shape in suffixes.items()}


def check_rope_dim(source: str, rope_dim: int, head_dim: int) -> None:
    if not (0 < rope_dim <= head_dim and rope_dim % 2 == 0):
        raise InputError(f"{source}: RoPE dimension count {rope_dim} is invalid for head size {head_dim}")


def gated_block_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Per-layer tensors of a pre-norm block with separate Q/K/V and a gated MLP (llama, gemma3)."""
    d, ff, hd = cfg.d_model, cfg.d_ff, cfg.head_dim
    return {
        "attn_norm.weight": (d,),
        "attn_q.weight": (cfg.n_head * hd, d),
        "attn_k.weight": (cfg.n_kv_head * hd, d),
        "attn_v.weight": (cfg.n_kv_head * hd, d),
        "attn_output.weight": (d, cfg.n_head * hd),
        "ffn_norm.weight": (d,),
        "ffn_gate.weight": (ff, d),
        "ffn_up.weight": (ff, d),
        "ffn_down.weight": (d, ff),
    }
