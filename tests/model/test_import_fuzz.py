"""Fuzz: thousands of truncated and byte-garbled tiny GGUF files through the importer (in process).

Every outcome must be either a clean InputError with no output file (and no temporary file left
behind), or a complete model file that loads. Anything else (another exception type, a hang, a
half-written file) fails.
"""

import os

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.model.dpm import load_model
from deepprove_cli.model.gguf_file import check_structure
from deepprove_cli.model.importer import import_gguf
from deepprove_cli.model.synthetic import make_tiny_gguf


def header_size(data: bytes) -> int:
    """Where tensor data starts: the end of the tensor directory, aligned."""
    return min(t.offset for t in check_structure(data, "x"))


def run_case(data: bytes, src, out) -> str:
    src.write_bytes(data)
    try:
        import_gguf(str(src), str(out))
    except InputError:
        assert not out.exists(), "an error left an output file"
        return "error"
    finally:
        assert not [n for n in os.listdir(out.parent) if n.startswith(".dp-")], "temporary file left behind"
    model = load_model(str(out))  # a success must be a complete, loadable model
    assert model.config.n_layer >= 1
    out.unlink()
    return "ok"


def mutations(data: bytes, header: int, rng: np.random.Generator, n_garble: int):
    """Truncations (every byte of the fixed prefix, a stride through the header, some in the data), then
    random byte garbles, mostly in the header."""
    for n in [*range(0, 256), *range(256, header + 1, 11)]:
        yield data[:n]
    for n in rng.integers(header, len(data), size=30):
        yield data[:n]
    interesting = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x09, 0x08, 0x0C]
    for _ in range(n_garble):
        b = bytearray(data)
        for _ in range(int(rng.integers(1, 4))):
            pos = int(rng.integers(0, header)) if rng.random() < 0.85 else int(rng.integers(0, len(data)))
            b[pos] = interesting[int(rng.integers(len(interesting)))] if rng.random() < 0.5 else int(rng.integers(256))
        yield bytes(b)


@pytest.mark.slow
@pytest.mark.parametrize("arch,n_garble", [("llama", 1000), ("gemma3", 500)])
def test_fuzzed_gguf_files_give_input_errors_or_complete_models(tmp_path, arch, n_garble):
    orig = tmp_path / "orig.gguf"
    make_tiny_gguf(orig, arch, quantized=True, n_layer=1, d_ff=256, n_ctx=32)
    data = orig.read_bytes()
    header = header_size(data)
    src, out = tmp_path / "fuzz.gguf", tmp_path / "out" / "m.dpm"
    out.parent.mkdir()
    rng = np.random.default_rng(2024)
    outcomes = {"error": 0, "ok": 0}
    for case in mutations(data, header, rng, n_garble):
        outcomes[run_case(case, src, out)] += 1
    assert outcomes["error"] > 1000 and outcomes["ok"] > 10, outcomes
