"""Synthetic GGUF files with llama.cpp's real tensor names and metadata keys, for tests and scale runs.

`make_tiny_gguf` writes small models of each architecture (a tiny byte-level BPE or SentencePiece
vocabulary, random weights with realistic scales, optionally a mix of quantized tensor types);
`write_gguf` is the general writer (the GPT-2 124M script uses it with the real GPT-2 vocabulary).
Tensors are generated from a per-tensor seed and written one at a time, so memory stays small.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from deepprove_cli.model.arch import Gemma3Config, Gpt2Config, LlamaConfig, ModelConfig
from deepprove_cli.model.arch.gemma3 import DEFAULT_SWA_PATTERN


@dataclass(frozen=True)
class MetaField:
    """One GGUF metadata entry as the writer takes it."""

    key: str
    value: Any
    vtype: int
    sub_type: int | None = None


# --- vocabularies --------------------------------------------------------------------------------

def byte_level_alphabet() -> list[str]:
    """GPT-2's byte -> printable character map, as a list indexed by byte value."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    out, extra = {}, 0
    for b in range(256):
        if b in printable:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + extra)
            extra += 1
    return [out[b] for b in range(256)]


_TINY_MERGES = [
    ("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("a", "t"), ("Ġ", "a"), ("o", "n"), ("e", "r"),
    ("Ġ", "s"), ("r", "e"), ("Ġ", "c"), ("Ġc", "at"), ("l", "l"), ("he", "ll"), ("hell", "o"),
    ("Ġ", "w"), ("o", "r"), ("Ġw", "or"), ("l", "d"), ("Ġwor", "ld"), ("in", "g"), ("Ġs", "at"),
]

_SPM_PIECES = ["▁", "▁t", "he", "▁the", "▁a", "in", "er", "on", "at", "▁c", "▁cat", "▁s", "▁sat", "ll",
               "▁he", "▁hell", "▁hello", "▁w", "or", "▁wor", "ld", "▁world", "ing", "▁m", "▁mat"]


def _tokenizer_fields(model: str, pre: str, tokens: list[str], types: list[int], bos: int, eos: int,
                      unk: int, pad: int, add_bos: bool, merges: list[str] | None = None,
                      scores: list[float] | None = None) -> list[MetaField]:
    from gguf import GGUFValueType as T

    fields = [
        MetaField("tokenizer.ggml.model", model, T.STRING),
        MetaField("tokenizer.ggml.pre", pre, T.STRING),
        MetaField("tokenizer.ggml.tokens", tokens, T.ARRAY, T.STRING),
        MetaField("tokenizer.ggml.token_type", types, T.ARRAY, T.INT32),
    ]
    if scores is not None:
        fields.append(MetaField("tokenizer.ggml.scores", scores, T.ARRAY, T.FLOAT32))
    if merges is not None:
        fields.append(MetaField("tokenizer.ggml.merges", merges, T.ARRAY, T.STRING))
    fields += [
        MetaField("tokenizer.ggml.bos_token_id", bos, T.UINT32),
        MetaField("tokenizer.ggml.eos_token_id", eos, T.UINT32),
        MetaField("tokenizer.ggml.unknown_token_id", unk, T.UINT32),
        MetaField("tokenizer.ggml.padding_token_id", pad, T.UINT32),
        MetaField("tokenizer.ggml.add_bos_token", add_bos, T.BOOL),
        MetaField("tokenizer.ggml.add_space_prefix", False, T.BOOL),
    ]
    return fields


def tiny_bpe_vocab(specials_first: bool) -> list[MetaField]:
    """Byte-level BPE: the 256 byte tokens, a few merges, and special tokens (GPT-2 or SmolLM2 layout)."""
    normal = byte_level_alphabet() + [a + b for a, b in _TINY_MERGES]
    if specials_first:  # SmolLM2: <|endoftext|>, <|im_start|>, <|im_end|> come first
        specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        tokens = specials + normal
        types = [3] * len(specials) + [1] * len(normal)
        bos, eos, unk, pad, pre = 1, 2, 0, 2, "smollm"
    else:  # GPT-2: <|endoftext|> is the last token and serves as BOS and EOS
        tokens = normal + ["<|endoftext|>"]
        types = [1] * len(normal) + [3]
        bos = eos = unk = pad = len(tokens) - 1
        pre = "gpt-2"
    merges = [f"{a} {b}" for a, b in _TINY_MERGES]
    return _tokenizer_fields("gpt2", pre, tokens, types, bos, eos, unk, pad, add_bos=False, merges=merges)


def tiny_spm_vocab() -> list[MetaField]:
    """SentencePiece (Gemma layout): <pad> <eos> <bos> <unk>, byte fallback <0x00>..<0xFF>, scored pieces."""
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [".", ",", "!", "?"]
    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
    tokens = specials + byte_tokens + _SPM_PIECES + letters
    types = [3, 3, 3, 2] + [6] * 256 + [1] * (len(_SPM_PIECES) + len(letters))
    scores = ([-1000.0] * 4 + [0.0] * 256 + [-float(i + 1) for i in range(len(_SPM_PIECES))]
              + [-100.0 - i for i in range(len(letters))])
    return _tokenizer_fields("llama", "default", tokens, types, bos=2, eos=1, unk=3, pad=0, add_bos=True,
                             scores=scores)


@functools.lru_cache(maxsize=4)
def vocab_fields_from_gguf(path: str | Path) -> tuple[MetaField, ...]:
    """Every `tokenizer.*` entry of an existing GGUF file (e.g. llama.cpp's ggml-vocab-gpt-2.gguf).
    Cached: parsing a 50k-token vocabulary takes seconds."""
    from gguf import GGUFReader, GGUFValueType

    reader = GGUFReader(str(path))
    out = []
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        if field.types[0] == GGUFValueType.ARRAY:
            out.append(MetaField(key, field.contents(), field.types[0], field.types[-1]))
        else:
            out.append(MetaField(key, field.contents(), field.types[0]))
    return tuple(out)


def vocab_size(fields) -> int:
    return len(next(f.value for f in fields if f.key == "tokenizer.ggml.tokens"))


# --- tiny configs --------------------------------------------------------------------------------

def tiny_config(arch: str, n_vocab: int, **overrides) -> ModelConfig:
    """Small sizes with every structural feature of the architecture (GQA, separate head size, local layers)."""
    if arch == "gpt2":
        cfg = Gpt2Config(n_vocab=n_vocab, n_ctx=64, d_model=64, n_layer=2, n_head=4, n_kv_head=4, head_dim=16,
                         d_ff=256, norm_eps=1e-5, tied_embeddings=False)
    elif arch == "llama":
        cfg = LlamaConfig(n_vocab=n_vocab, n_ctx=128, d_model=64, n_layer=2, n_head=4, n_kv_head=2, head_dim=16,
                          d_ff=256, norm_eps=1e-5, tied_embeddings=True, rope_dim=16, rope_base=10000.0,
                          rope_freq_scale=1.0)
    elif arch == "gemma3":
        n_layer = overrides.get("n_layer", DEFAULT_SWA_PATTERN)
        local = tuple(i for i in range(n_layer) if i % DEFAULT_SWA_PATTERN < DEFAULT_SWA_PATTERN - 1)
        cfg = Gemma3Config(n_vocab=n_vocab, n_ctx=128, d_model=64, n_layer=n_layer, n_head=4, n_kv_head=1,
                           head_dim=32, d_ff=256, norm_eps=1e-6, tied_embeddings=True, rope_dim=32,
                           rope_base=1e6, rope_freq_scale=1.0, rope_base_local=10000.0, sliding_window=8,
                           local_layers=local, attn_scale=1.0 / math.sqrt(32))
    else:
        raise ValueError(f"unknown architecture {arch!r}")
    cfg = dataclasses.replace(cfg, **overrides)
    # Metadata stores these as float32: round them so the config survives the trip through a file.
    stored = ("norm_eps", "rope_base", "rope_base_local", "attn_logit_softcap", "final_logit_softcap")
    cfg = dataclasses.replace(cfg, **{k: float(np.float32(getattr(cfg, k))) for k in stored
                                      if getattr(cfg, k, None) is not None})
    cfg.validate(f"tiny {arch}")
    return cfg


# --- metadata ------------------------------------------------------------------------------------

def arch_fields(cfg: ModelConfig) -> list[MetaField]:
    """The `{arch}.*` hyperparameter keys llama.cpp reads for this config."""
    from gguf import GGUFValueType as T

    a = cfg.arch
    f = [
        MetaField(f"{a}.context_length", cfg.n_ctx, T.UINT32),
        MetaField(f"{a}.embedding_length", cfg.d_model, T.UINT32),
        MetaField(f"{a}.block_count", cfg.n_layer, T.UINT32),
        MetaField(f"{a}.feed_forward_length", cfg.d_ff, T.UINT32),
        MetaField(f"{a}.attention.head_count", cfg.n_head, T.UINT32),
    ]
    if a == "gpt2":
        return f + [MetaField("gpt2.attention.layer_norm_epsilon", cfg.norm_eps, T.FLOAT32)]
    f += [
        MetaField(f"{a}.attention.head_count_kv", cfg.n_kv_head, T.UINT32),
        MetaField(f"{a}.attention.layer_norm_rms_epsilon", cfg.norm_eps, T.FLOAT32),
        MetaField(f"{a}.rope.freq_base", cfg.rope_base, T.FLOAT32),
    ]
    if cfg.rope_freq_scale != 1.0:
        f += [MetaField(f"{a}.rope.scaling.type", "linear", T.STRING),
              MetaField(f"{a}.rope.scaling.factor", 1.0 / cfg.rope_freq_scale, T.FLOAT32)]
    if a == "llama":
        return f + [MetaField("llama.rope.dimension_count", cfg.rope_dim, T.UINT32),
                    MetaField("llama.vocab_size", cfg.n_vocab, T.UINT32)]
    f += [
        MetaField("gemma3.attention.key_length", cfg.head_dim, T.UINT32),
        MetaField("gemma3.attention.value_length", cfg.head_dim, T.UINT32),
        MetaField("gemma3.attention.sliding_window", cfg.sliding_window, T.UINT32),
    ]
    default_local = tuple(i for i in range(cfg.n_layer) if i % DEFAULT_SWA_PATTERN < DEFAULT_SWA_PATTERN - 1)
    if cfg.local_layers != default_local:
        flags = [i in cfg.local_layers for i in range(cfg.n_layer)]
        f.append(MetaField("gemma3.attention.sliding_window_pattern", flags, T.ARRAY, T.BOOL))
    if cfg.rope_base_local != 10000.0:
        f.append(MetaField("gemma3.rope.freq_base_swa", cfg.rope_base_local, T.FLOAT32))
    for key, cap in (("attn_logit_softcapping", cfg.attn_logit_softcap),
                     ("final_logit_softcapping", cfg.final_logit_softcap)):
        if cap is not None:
            f.append(MetaField(f"gemma3.{key}", cap, T.FLOAT32))
    return f


# --- weights -------------------------------------------------------------------------------------

def init_weight(cfg: ModelConfig, name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Random float32 weights at realistic scales: norms near 1, biases and embeddings small,
    matrices 1/sqrt(fan_in), residual-branch outputs further scaled by 1/sqrt(2 n_layer)."""
    if name.endswith("norm.weight"):
        return (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
    if name.endswith(".bias"):
        return (0.02 * rng.standard_normal(shape)).astype(np.float32)
    if name == "token_embd.weight":
        std = 1.0 / math.sqrt(cfg.d_model) if cfg.arch == "gemma3" else 0.05
        return (std * rng.standard_normal(shape)).astype(np.float32)
    if name == "position_embd.weight":
        return (0.02 * rng.standard_normal(shape)).astype(np.float32)
    if name == "rope_freqs.weight":
        return np.linspace(1.0, 8.0, shape[0], dtype=np.float32)
    std = 1.0 / math.sqrt(shape[-1])
    if name.endswith(("attn_output.weight", "ffn_down.weight")):
        std /= math.sqrt(2 * cfg.n_layer)
    return (std * rng.standard_normal(shape)).astype(np.float32)


# Byte offsets of the float16 scale fields in each K-quant block (llama.cpp's block layouts).
_KQUANT_SCALE_FIELDS = {"Q2_K": (80, 82), "Q3_K": (108,), "Q4_K": (0, 2), "Q5_K": (0, 2), "Q6_K": (208,)}


def random_kquant(shape: tuple[int, ...], qtype, std: float, rng: np.random.Generator) -> np.ndarray:
    """Raw K-quant blocks (gguf cannot quantize to K-quants): random payload, scales set so the
    dequantized tensor has about the wanted standard deviation."""
    from gguf import GGML_QUANT_SIZES
    from gguf.quants import dequantize

    block, type_size = GGML_QUANT_SIZES[qtype]
    n_blocks = math.prod(shape) // block
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    offsets = _KQUANT_SCALE_FIELDS[qtype.name]

    def set_scales(value: float) -> None:
        for off in offsets:
            raw[:, off:off + 2] = np.full(n_blocks, value, dtype=np.float16).view(np.uint8).reshape(-1, 2)

    set_scales(1.0)
    actual = float(dequantize(raw, qtype).std())
    set_scales(std / actual if actual > 0 else std)
    row_bytes = shape[-1] // block * type_size
    return raw.reshape(*shape[:-1], row_bytes)


def encode_tensor(values: np.ndarray, qtype, rng: np.random.Generator) -> np.ndarray:
    """Encode float32 values as a GGML type (K-quants: random blocks of the same scale)."""
    from gguf import GGMLQuantizationType as Q
    from gguf.quants import quantize

    if qtype == Q.F32:
        return values
    if qtype == Q.F16:
        return values.astype(np.float16)
    if qtype.name in _KQUANT_SCALE_FIELDS:
        return random_kquant(values.shape, qtype, float(values.std()) or 1e-3, rng)
    return quantize(values, qtype)


def mixed_types(cfg: ModelConfig) -> Callable[[str, tuple[int, ...]], Any]:
    """A spread of GGML types over the tensors (every type gguf can dequantize that fits the shapes)."""
    from gguf import GGML_QUANT_SIZES
    from gguf import GGMLQuantizationType as Q

    by_suffix = {  # lists rotate over layers
        "token_embd.weight": [Q.Q8_0], "position_embd.weight": [Q.Q5_0], "output.weight": [Q.F16],
        "attn_qkv.weight": [Q.Q4_0, Q.Q4_1], "attn_q.weight": [Q.Q4_0], "attn_k.weight": [Q.Q4_1],
        "attn_v.weight": [Q.Q5_0], "attn_output.weight": [Q.Q5_1], "ffn_gate.weight": [Q.F16],
        "ffn_up.weight": [Q.BF16], "ffn_down.weight": [Q.Q4_K, Q.Q6_K, Q.Q5_K, Q.Q3_K, Q.Q2_K],
    }

    def choose(name: str, shape: tuple[int, ...]):
        if len(shape) == 1:
            return Q.F32
        layer = int(name.split(".")[1]) if name.startswith("blk.") else 0
        options = by_suffix.get(name.split(".", 2)[-1] if name.startswith("blk.") else name, [Q.F32])
        qtype = options[layer % len(options)]
        return qtype if shape[-1] % GGML_QUANT_SIZES[qtype][0] == 0 else Q.F32

    return choose


def _tensor_rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def write_gguf(path: str | Path, cfg: ModelConfig, vocab, *, types=None, seed: int = 0,
               name: str = "synthetic") -> Path:
    """Write a GGUF file for `cfg` with llama.cpp's names and keys; tensors streamed one at a time.

    `types(name, shape) -> GGMLQuantizationType` picks each tensor's encoding (default F32).
    """
    import gguf
    from gguf import GGML_QUANT_SIZES
    from gguf import GGMLQuantizationType as Q

    n_tokens = vocab_size(vocab)
    if n_tokens != cfg.n_vocab:
        raise ValueError(f"vocabulary has {n_tokens} tokens, config says {cfg.n_vocab}")
    shapes = cfg.tensor_shapes()
    choose = types or (lambda _n, _s: Q.F32)
    w = gguf.GGUFWriter(str(path), cfg.arch)
    w.add_name(name)
    for f in [*arch_fields(cfg), *vocab]:
        w.add_key_value(f.key, f.value, f.vtype, f.sub_type)
    plan = []
    for tname, shape in shapes.items():
        qtype = choose(tname, shape)
        block, type_size = GGML_QUANT_SIZES[qtype]
        nbytes = math.prod(shape) // block * type_size
        w.add_tensor_info(tname, shape, np.dtype(np.float32), nbytes, raw_dtype=qtype)
        plan.append((tname, shape, qtype))
    w.write_header_to_file(Path(path))
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    for tname, shape, qtype in plan:
        rng = _tensor_rng(seed, tname)
        w.write_tensor_data(encode_tensor(init_weight(cfg, tname, shape, rng), qtype, rng))
    w.close()
    return Path(path)


def make_tiny_gguf(path: str | Path, arch: str, *, quantized: bool = False, seed: int = 0,
                   **overrides) -> ModelConfig:
    """Write a tiny model of `arch` ("gpt2", "llama", "gemma3") with its tokenizer to `path`; returns
    its config. `quantized` spreads GGML types over the tensors; `overrides` replace config fields."""
    vocab = tiny_spm_vocab() if arch == "gemma3" else tiny_bpe_vocab(specials_first=(arch == "llama"))
    cfg = tiny_config(arch, vocab_size(vocab), **overrides)
    write_gguf(path, cfg, vocab, types=mixed_types(cfg) if quantized else None, seed=seed, name=f"tiny-{arch}")
    return cfg


def gpt2_124m_config(n_vocab: int = 50257, **overrides) -> ModelConfig:
    """GPT-2 small: 12 layers, width 768, 12 heads, MLP 3072, context 1024, output tied to the embedding."""
    cfg = Gpt2Config(n_vocab=n_vocab, n_ctx=1024, d_model=768, n_layer=12, n_head=12, n_kv_head=12, head_dim=64,
                     d_ff=3072, norm_eps=float(np.float32(1e-5)), tied_embeddings=True)
    cfg = dataclasses.replace(cfg, **overrides)
    cfg.validate("gpt2 124M")
    return cfg


def make_gpt2_124m_gguf(path: str | Path, *, f16: bool = True, seed: int = 0, **overrides) -> ModelConfig:
    """GPT-2 124M shapes with the real GPT-2 vocabulary and merges (llama.cpp's ggml-vocab-gpt-2.gguf)
    and seeded random weights: matrices F16 (or F32), norms and biases F32, as llama.cpp's converter
    writes them. The scale model for the prover. Returns its config."""
    from gguf import GGMLQuantizationType as Q

    from deepprove_cli.model.vocab_gpt2 import gpt2_vocab_gguf_path

    vocab = vocab_fields_from_gguf(gpt2_vocab_gguf_path())
    cfg = gpt2_124m_config(vocab_size(vocab), **overrides)
    matrix = Q.F16 if f16 else Q.F32
    write_gguf(path, cfg, vocab, types=lambda _name, shape: matrix if len(shape) == 2 else Q.F32, seed=seed,
               name="gpt2-124m-synthetic")
    return cfg
