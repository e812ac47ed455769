"""TokenizerSpec: GGUF metadata in, our container out and back, and every way a spec can be corrupt."""

import numpy as np
import pytest

from deepprove_cli.errors import InputError
from deepprove_cli.io import container
from deepprove_cli.model.tokenizer_spec import TokenizerSpec, pack_strings, unpack_strings

KIND = b"DPTEST\0\0"


def write_gguf(path, fields):
    """A GGUF with only metadata: (key, value, kind) where kind names a GGUFWriter.add_* method."""
    import gguf

    w = gguf.GGUFWriter(str(path), "llama")
    for key, value, kind in fields:
        if kind == "array":
            w.add_array(key, value)
        else:
            getattr(w, "add_" + kind)(key, value)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return gguf.GGUFReader(str(path))


def spm_fields(tokens=("<unk>", "<s>", "</s>", "▁a", "b")):
    return [
        ("tokenizer.ggml.model", "llama", "string"),
        ("tokenizer.ggml.pre", "default", "string"),
        ("tokenizer.ggml.tokens", list(tokens), "array"),
        ("tokenizer.ggml.scores", [0.0, 0.0, 0.0, -1.5, -2.0][:len(tokens)], "array"),
        ("tokenizer.ggml.token_type", [2, 3, 3, 1, 1][:len(tokens)], "array"),
        ("tokenizer.ggml.bos_token_id", 1, "uint32"),
        ("tokenizer.ggml.eos_token_id", 2, "uint32"),
        ("tokenizer.ggml.add_bos_token", True, "bool"),
    ]


def roundtrip(spec: TokenizerSpec) -> TokenizerSpec:
    meta, arrays = spec.to_container()
    blob = container.to_bytes(KIND, 1, {"tok": meta}, arrays)
    c = container.parse(blob, "test.dp")
    return TokenizerSpec.from_container(c.meta["tok"], c)


def test_pack_unpack_strings():
    items = ["", "a", "ĠHello", "東京🚀", "\n\n"]
    blob, off = pack_strings([s.encode() for s in items])
    assert blob.dtype == np.uint8 and off.dtype == np.int64 and len(off) == len(items) + 1
    assert unpack_strings(blob, off) == items


def test_from_gguf_reads_every_field(tmp_path):
    r = write_gguf(tmp_path / "v.gguf", spm_fields())
    s = TokenizerSpec.from_gguf(r)
    assert s.model == "llama" and s.pre == "default" and s.n_tokens == 5
    assert s.tokens() == ["<unk>", "<s>", "</s>", "▁a", "b"]
    assert s.scores.dtype == np.float32 and s.scores.tolist() == [0.0, 0.0, 0.0, -1.5, -2.0]
    assert s.token_types.tolist() == [2, 3, 3, 1, 1]
    assert (s.bos_id, s.eos_id, s.unk_id, s.add_bos, s.add_eos, s.add_space_prefix) == (1, 2, None, True, None, None)
    assert s.merges() == []


def test_container_roundtrip_bpe(tmp_path):
    fields = [
        ("tokenizer.ggml.model", "gpt2", "string"),
        ("tokenizer.ggml.pre", "smollm", "string"),
        ("tokenizer.ggml.tokens", ["<|endoftext|>", "a", "b", "ab", "Ġ"], "array"),
        ("tokenizer.ggml.token_type", [3, 1, 1, 1, 1], "array"),
        ("tokenizer.ggml.merges", ["a b"], "array"),
        ("tokenizer.ggml.eos_token_id", 0, "uint32"),
        ("tokenizer.ggml.add_space_prefix", False, "bool"),
        ("tokenizer.chat_template", "{{ messages }}", "string"),
    ]
    s = TokenizerSpec.from_gguf(write_gguf(tmp_path / "v.gguf", fields))
    t = roundtrip(s)
    assert t.tokens() == s.tokens() and t.merges() == ["a b"] and t.scores is None
    assert t.token_types.tolist() == [3, 1, 1, 1, 1]
    assert (t.model, t.pre, t.eos_id, t.bos_id, t.add_space_prefix, t.chat_template) == \
        ("gpt2", "smollm", 0, None, False, "{{ messages }}")


def test_container_roundtrip_spm(tmp_path):
    s = TokenizerSpec.from_gguf(write_gguf(tmp_path / "v.gguf", spm_fields()))
    t = roundtrip(s)
    assert t.tokens() == s.tokens() and np.array_equal(t.scores, s.scores)
    assert (t.bos_id, t.eos_id, t.add_bos) == (1, 2, True)


def test_out_of_range_special_id_is_dropped_like_llama_cpp(tmp_path):
    fields = spm_fields() + [("tokenizer.ggml.unknown_token_id", 99, "uint32")]
    assert TokenizerSpec.from_gguf(write_gguf(tmp_path / "v.gguf", fields)).unk_id is None


@pytest.mark.parametrize("change, message", [
    (lambda f: [x for x in f if x[0] != "tokenizer.ggml.model"], "no tokenizer"),
    (lambda f: [x for x in f if x[0] != "tokenizer.ggml.tokens"], "tokens is missing"),
    (lambda f: [("tokenizer.ggml.model", "bert", "string")] + f[1:], "not supported"),
    (lambda f: f[:3] + [("tokenizer.ggml.scores", [0.0, 1.0], "array")] + f[4:], "has 2 entries"),
    (lambda f: f[:3] + [("tokenizer.ggml.scores", ["x"] * 5, "array")] + f[4:], "must be an array of"),
    (lambda f: f + [("tokenizer.ggml.add_eos_token", 1, "uint32")], "must be bool"),
    (lambda f: [("tokenizer.ggml.model", "gpt2", "string")] + f[1:], "needs tokenizer.ggml.merges"),
])
def test_bad_gguf_metadata_is_an_input_error(tmp_path, change, message):
    with pytest.raises(InputError, match=message):
        TokenizerSpec.from_gguf(write_gguf(tmp_path / "v.gguf", change(spm_fields())))


def _tampered(meta_change=None, arrays_change=None):
    s = TokenizerSpec(model="llama", pre=None, token_blob=pack_strings([b"a", b"b"])[0],
                      token_offsets=pack_strings([b"a", b"b"])[1], scores=np.zeros(2, np.float32))
    meta, arrays = s.to_container()
    if meta_change:
        meta_change(meta)
    arrays = {a.name: a.array for a in arrays}
    if arrays_change:
        arrays_change(arrays)
    blob = container.to_bytes(KIND, 1, {"tok": meta}, [container.ArraySpec.of(k, v) for k, v in arrays.items()])
    c = container.parse(blob, "t.dp")
    return TokenizerSpec.from_container(c.meta["tok"], c)


def test_untampered_container_loads():
    assert _tampered().tokens() == ["a", "b"]


@pytest.mark.parametrize("meta_change, arrays_change, message", [
    (lambda m: m.update(format=99), None, "unknown format"),
    (lambda m: m.update(n_tokens=3), None, "metadata says"),
    (lambda m: m.update(bos_id=7), None, "outside the vocabulary"),
    (lambda m: m.update(bos_id="1"), None, "must be an integer"),
    (lambda m: m.update(add_bos=1), None, "true or false"),
    (lambda m: m.update(has_token_types=True), None, "is missing"),
    (None, lambda a: a.update({"tokenizer.tokens.offsets": np.array([0, 1, 5], np.int64)}), "offsets are corrupt"),
    (None, lambda a: a.update({"tokenizer.tokens.offsets": np.array([0, 2, 1], np.int64)}), "offsets are corrupt"),
    (None, lambda a: a.update({"tokenizer.tokens.blob": np.array([0xFF, 0x62], np.uint8)}), "not valid UTF-8"),
    (None, lambda a: a.update({"tokenizer.scores": np.zeros(3, np.float32)}), "have 3 entries"),
    (None, lambda a: a.update({"tokenizer.scores": np.zeros(2, np.float64)}), "dtype"),
])
def test_tampered_container_is_an_input_error(meta_change, arrays_change, message):
    with pytest.raises(InputError, match=message):
        _tampered(meta_change, arrays_change)
