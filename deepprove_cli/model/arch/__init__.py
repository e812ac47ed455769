"""Architecture configs: one typed dataclass per supported GGUF architecture."""

from __future__ import annotations

from deepprove_cli.errors import InputError
from deepprove_cli.model.arch.base import ModelConfig
from deepprove_cli.model.arch.gemma3 import Gemma3Config
from deepprove_cli.model.arch.gpt2 import Gpt2Config
from deepprove_cli.model.arch.llama import LlamaConfig

ARCHITECTURES: dict[str, type[ModelConfig]] = {c.arch: c for c in (Gpt2Config, LlamaConfig, Gemma3Config)}

__all__ = ["ARCHITECTURES", "ModelConfig", "Gpt2Config", "LlamaConfig", "Gemma3Config",
           "config_class", "config_from_json"]


def config_class(arch: object, source: str) -> type[ModelConfig]:
    if arch not in ARCHITECTURES:
        raise InputError(f"{source}: architecture {arch!r} is not supported",
                         hint=f"supported: {', '.join(sorted(ARCHITECTURES))}")
    return ARCHITECTURES[arch]


def config_from_json(d: object, source: str) -> ModelConfig:
    if not isinstance(d, dict):
        raise InputError(f"{source}: model config is not an object")
    return config_class(d.get("arch"), source).from_json(d, source)
