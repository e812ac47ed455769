"""llama.cpp's own tokenizer test vocabularies (GPT-2 BPE, LLaMA SentencePiece), fetched once from PyPI.

llama.cpp ships `models/ggml-vocab-<name>.gguf` (the vocabulary and merges, no weights) with its test
vectors `.inp` (texts) and `.out` (llama.cpp's token ids). They are inside the llama-cpp-python source
distribution, which `pip download` fetches (no build, no install); the few files we need are pulled out
of the tarball into a cache directory ($DP_CACHE, default ~/.cache/deepprove-cli) and checked against
the sizes and SHA-256 digests recorded here, so every later call is offline.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from deepprove_cli.errors import DpError, InputError

LLAMA_CPP_PYTHON = "llama-cpp-python==0.3.36"  # the llama.cpp that produced shared/reference/llamacpp.json
MODELS_DIR = "vendor/llama.cpp/models/"
# file name -> (size in bytes, sha256)
FILES = {
    "ggml-vocab-gpt-2.gguf": (1766807, "cedc56ca6e2e89f63e781696d1fd76b4b1d49e6720dee86463e915f6e90016ac"),
    "ggml-vocab-gpt-2.gguf.inp": (1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
    "ggml-vocab-gpt-2.gguf.out": (2147, "48e8c4cb3ad5c37915b225f872222567c1c4dd4d66951aa53460c8d152ff6d60"),
    "ggml-vocab-llama-spm.gguf": (723869, "16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69"),
    "ggml-vocab-llama-spm.gguf.inp": (1943, "be0a11f7071f0c67d3053a2d377d8f35f0dbcb77ff11a60300fb57d36b477cf0"),
    "ggml-vocab-llama-spm.gguf.out": (2685, "ad6905c925c49c022974fe67e030382e8a4f56eb4489a0b9481dcedb1ec73b29"),
}
VOCABS = ("gpt-2", "llama-spm")
TEST_SEPARATOR = "\n__ggml_vocab_test__\n"


class DownloadError(DpError):
    """The source distribution could not be fetched (no network, PyPI unreachable)."""


def cache_dir() -> Path:
    return Path(os.environ.get("DP_CACHE") or Path.home() / ".cache" / "deepprove-cli") / "llama-cpp-vocab"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_good(path: Path) -> bool:
    size, sha = FILES[path.name]
    return path.is_file() and path.stat().st_size == size and _digest(path) == sha


def _download_sdist(into: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--disable-pip-version-check",
           "-q", "-d", str(into), LLAMA_CPP_PYTHON]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DownloadError(f"could not run pip download for {LLAMA_CPP_PYTHON}: {e}") from None
    tarballs = sorted(into.glob("*.tar.gz"))
    if r.returncode != 0 or not tarballs:
        tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
        raise DownloadError(f"pip download {LLAMA_CPP_PYTHON} failed: {' / '.join(tail) or 'no tarball'}")
    return tarballs[0]


def _extract(tarball: Path, dest: Path) -> None:
    """Copy the files we know out of the tarball into dest, each checked, each written atomically."""
    found = set()
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            name = member.name.rsplit("/", 1)[-1]
            if name not in FILES or not member.name.endswith(MODELS_DIR + name) or not member.isfile():
                continue
            data = tar.extractfile(member).read()
            size, sha = FILES[name]
            if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
                raise InputError(f"{tarball.name}: {name} is not the file this dp expects (size or SHA-256 differs)")
            fd, tmp = tempfile.mkstemp(dir=dest, prefix=".part-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest / name)
            found.add(name)
    missing = set(FILES) - found
    if missing:
        raise InputError(f"{tarball.name} lacks {', '.join(sorted(missing))}")


def fetch() -> Path:
    """The cache directory holding every file of FILES, downloading the sdist once if needed."""
    dest = cache_dir()
    if all(_is_good(dest / name) for name in FILES):
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dp-sdist-") as tmp:
        _extract(_download_sdist(Path(tmp)), dest)
    return dest


def vocab_gguf_path(name: str) -> Path:
    if name not in VOCABS:
        raise InputError(f"unknown llama.cpp test vocabulary {name!r} (known: {', '.join(VOCABS)})")
    return fetch() / f"ggml-vocab-{name}.gguf"


def read_test_vectors(inp: Path, out: Path) -> list[tuple[str, list[int]]]:
    """llama.cpp's format: texts separated by a marker line (the file ends with one); one line of
    space-separated ids per text (an empty line for an empty text)."""
    texts = inp.read_bytes().decode("utf-8").split(TEST_SEPARATOR)
    if texts and texts[-1] == "":
        texts.pop()
    lines = out.read_text(encoding="utf-8").split("\n")
    if len(lines) < len(texts) or any(line.strip() for line in lines[len(texts):]):
        raise InputError(f"{out}: {len(lines)} lines of ids for {len(texts)} texts")
    return [(t, [int(x) for x in line.split()]) for t, line in zip(texts, lines)]


def vocab_test_vectors(name: str) -> list[tuple[str, list[int]]]:
    path = vocab_gguf_path(name)
    return read_test_vectors(path.with_name(path.name + ".inp"), path.with_name(path.name + ".out"))


def gpt2_vocab_gguf_path() -> Path:
    """llama.cpp's GPT-2 vocabulary (models/ggml-vocab-gpt-2.gguf), fetched and checked once."""
    return vocab_gguf_path("gpt-2")


def gpt2_test_vectors() -> list[tuple[str, list[int]]]:
    """llama.cpp's GPT-2 tokenizer test vectors: (text, token ids without BOS)."""
    return vocab_test_vectors("gpt-2")
