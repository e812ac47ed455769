"""The verifying key (model.vk) and the weight commitment's prover data (model.dpc).

Why: a proof must name the exact model it is about, and a verifier must be able to check it
without the weights. `dp quantize` commits the quantized weights once (Basefold, one batch) and
writes, beside model.dpq:

  model.dpc   the commitment's prover data (tables, codewords, Merkle levels): `dp prove` opens
              the weights from this memory-mapped file, never re-encoding them;
  model.vk    everything a verifier needs: architecture config, tokenizer, quantization parameters,
              graph spec, lookup-table specs and contents, the arrays that travel in clear, the
              weight commitment (root, shape, array names in polynomial order, their shapes) and
              the Basefold parameters of the weights. Model id = BLAKE3(model.vk bytes), hex.

Rule agreed with the prover: an array of the dpq is COMMITTED iff it has >= 2^16 elements
(COMMIT_MIN_ELEMENTS); smaller arrays (biases, multipliers, norm weights, short RoPE tables) and all
lookup-table contents travel in clear in the vk. Committed arrays are sorted by name (the
polynomial order), each the zero-padded row-major multilinear table of its integers
(`relations.layout.TensorLayout.table`).

Canonical bytes: the vk is an io.container (magic DPVKEY, version 1) whose header is sorted compact
JSON and whose arrays come in a fixed order, so one key has one byte string; `from_bytes` re-encodes
what it parsed and refuses any other encoding (no two files, hence no two model ids, for one key).

Rate of the weight commitment: 1/2 (WEIGHT_RATE_BITS), chosen by measurement on SmolLM2-135M (214
committed arrays, 163M elements, 402M padded; 2 claims per array; 2 shared cores, noisy):
  rate 1/2 (85 queries):  commit 36 s, model.dpc 4.9 GB, opening 18.5 s, 481 KiB, verify 66 ms,
                          100.0 bits conjectured / 51 proven
  rate 1/4 (43 queries):  commit 60 s, model.dpc 8.1 GB, opening 18.7 s, 390 KiB, verify 113 ms,
                          100.4 bits conjectured / 45 proven
Rate 1/4 saves 90 KiB per proof but costs 3.2 GB more on disk, 24 s more per quantize, a slower
verifier (twice the columns: max_vars 19) and proven bits; not worth it at this model size.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.io import container
from deepprove_cli.io.container import ArraySpec
from deepprove_cli.io.proof_file import read_bytes

VK_MAGIC = b"DPVKEY\0\0"
VK_VERSION = 1
DPC_MAGIC = b"DPCOMMT\0"
DPC_VERSION = 1
COMMIT_MIN_ELEMENTS = 1 << 16
TARGET_BITS = 100
WEIGHT_RATE_BITS = 1       # rate 1/2: see the module docstring
_W, _T, _COMMITMENT = "w/", "table/", "commitment"
_PCS_KEYS = ("rate_bits", "arity_bits", "num_queries", "grinding_bits", "final_vars", "max_vars", "leaf_bits")


def weight_params(rate_bits: int = WEIGHT_RATE_BITS):
    """Basefold parameters of the weight commitment and its openings (>= TARGET_BITS conjectured)."""
    from deepprove_cli.pcs import PcsParams

    return PcsParams.for_security(TARGET_BITS, rate_bits=rate_bits)


def committed_names(arrays: dict) -> list[str]:
    """The arrays the rule commits, in polynomial order (sorted by name)."""
    return sorted(n for n, a in arrays.items() if int(np.prod(np.shape(a), dtype=np.int64)) >= COMMIT_MIN_ELEMENTS)


def _num_vars(shape) -> int:
    """Variables of a tensor's zero-padded multilinear table (relations/layout.py's convention)."""
    return sum((int(d) - 1).bit_length() for d in shape)


def weight_tables(arrays: dict, names: list[str]) -> list[np.ndarray]:
    """The committed arrays as field tables (padded per dimension, row-major), in `names` order."""
    from deepprove_cli.relations.layout import TensorLayout

    return [TensorLayout(arrays[n].shape).table(arrays[n], n) for n in names]


def _params_json(params) -> dict:
    return {k: getattr(params, k) for k in _PCS_KEYS}


def _params_from_json(d, source: str):
    from deepprove_cli.pcs import PcsParams

    if not isinstance(d, dict) or set(d) != set(_PCS_KEYS) or \
            not all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in d.values()):
        raise InputError(f"{source}: corrupt Basefold parameters")
    try:
        return PcsParams(**d)
    except (TypeError, ValueError) as e:
        raise InputError(f"{source}: Basefold parameters: {e}") from None


@dataclass(frozen=True)
class WeightCommitment:
    """The weight batch as the verifier sees it: the commitment and what each polynomial is."""

    commitment: object                  # pcs.Commitment
    names: tuple[str, ...]              # polynomial order
    shapes: tuple[tuple[int, ...], ...]  # each array's (unpadded) shape

    def shape_of(self, name: str) -> tuple[int, ...]:
        return self.shapes[self.names.index(name)]

    def to_json(self) -> dict:
        return {"names": list(self.names), "shapes": [list(s) for s in self.shapes]}

    def check(self, source: str) -> "WeightCommitment":
        """The names are sorted and unique, every array is big enough to be committed, and the
        commitment's polynomial sizes are those of the shapes."""
        if list(self.names) != sorted(set(self.names)) or len(self.names) != len(self.shapes):
            raise InputError(f"{source}: the committed array names are not sorted and unique")
        for n, s in zip(self.names, self.shapes):
            if not s or any(d < 1 for d in s) or int(np.prod(s, dtype=np.int64)) < COMMIT_MIN_ELEMENTS:
                raise InputError(f"{source}: array {n!r} of shape {tuple(s)} is not one the rule commits")
        if tuple(self.commitment.num_vars) != tuple(_num_vars(s) for s in self.shapes):
            raise InputError(f"{source}: the weight commitment's polynomial sizes do not match the array shapes")
        return self


def _weights_from_json(d, commitment_bytes, source: str) -> WeightCommitment:
    from deepprove_cli.io.binary import ProofFormatError
    from deepprove_cli.pcs import Commitment

    try:
        names = tuple(d["names"])
        shapes = tuple(tuple(s) for s in d["shapes"])
        if not all(isinstance(n, str) for n in names) or \
                not all(isinstance(x, int) and not isinstance(x, bool) for s in shapes for x in s):
            raise TypeError
    except (KeyError, TypeError):
        raise InputError(f"{source}: corrupt weight commitment section") from None
    try:
        c = Commitment.from_bytes(bytes(commitment_bytes))
    except ProofFormatError as e:
        raise InputError(f"{source}: {e.message}") from None
    return WeightCommitment(c, names, shapes).check(source)


@dataclass
class VerifyingKey:
    """What a verifier needs about a model; `model_id` = BLAKE3 of `to_bytes()`, hex."""

    config: object                      # model.arch.ModelConfig
    tokenizer: object                   # model.tokenizer_spec.TokenizerSpec
    quant: object                       # model.qformat.QuantConfig
    graph: object                       # graph.program.Graph
    table_set: object                   # model.qtables.TableSet (specs and contents)
    public: dict[str, np.ndarray]       # the arrays in clear (fewer than COMMIT_MIN_ELEMENTS elements)
    weights: WeightCommitment | None    # None: the model has no array big enough to commit
    pcs: object                         # pcs.PcsParams of the weight commitment and its openings

    @classmethod
    def of(cls, qm, weights: WeightCommitment | None, pcs) -> "VerifyingKey":
        """The key of a quantized model whose committed arrays are `weights`."""
        names = committed_names(qm.arrays)
        if list(weights.names if weights else ()) != names:
            raise ValueError("VerifyingKey.of: the weight commitment does not hold the arrays the rule commits")
        public = {n: a for n, a in qm.arrays.items() if n not in set(names)}
        return cls(qm.config, qm.tokenizer, qm.quant, qm.graph, qm.tables, public, weights, pcs)

    @property
    def committed(self) -> tuple[str, ...]:
        return self.weights.names if self.weights else ()

    # the view the verifier reads (verifier.key.as_key)
    @property
    def arrays(self) -> dict[str, np.ndarray]:
        return self.public

    @property
    def tables(self) -> dict[str, tuple[np.ndarray, int]]:
        """name -> (contents int64, lo)."""
        return {n: self.table_set.get(n) for n in self.table_set.specs}

    @property
    def weight_commitment(self):
        return self.weights.commitment if self.weights else None

    @property
    def weight_names(self) -> list[str]:
        return list(self.committed)

    @property
    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        return dict(zip(self.weights.names, self.weights.shapes)) if self.weights else {}

    @property
    def n_vocab(self) -> int:
        return int(self.config.n_vocab)

    def _meta_specs(self) -> tuple[dict, list[ArraySpec]]:
        from deepprove_cli.model.dpq import _table_dtype

        tok_meta, tok_arrays = self.tokenizer.to_container()
        meta = {"config": self.config.to_json(), "quant": self.quant.to_json(),
                "tables": [self.table_set.specs[n].to_json() for n in sorted(self.table_set.specs)],
                "graph": self.graph.to_json(), "tokenizer": tok_meta, "pcs": _params_json(self.pcs),
                "weights": self.weights.to_json() if self.weights else None}
        specs = []
        if self.weights:
            specs.append(ArraySpec.of(_COMMITMENT, np.frombuffer(self.weights.commitment.to_bytes(), dtype=np.uint8)))
        specs += [ArraySpec.of(_W + n, np.ascontiguousarray(self.public[n])) for n in sorted(self.public)]
        specs += [ArraySpec.of(_T + n, _table_dtype(self.table_set.values[n])) for n in sorted(self.table_set.values)]
        return meta, specs + sorted(tok_arrays, key=lambda s: s.name)

    def to_bytes(self) -> bytes:
        if getattr(self, "_bytes", None) is None:
            meta, specs = self._meta_specs()
            self._bytes = container.to_bytes(VK_MAGIC, VK_VERSION, meta, specs)
        return self._bytes

    @property
    def model_id(self) -> str:
        return model_id_of(self.to_bytes())

    @classmethod
    def from_bytes(cls, data, source: str = "model.vk") -> "VerifyingKey":
        """Parse a key strictly: InputError names the first thing wrong (a key from a stranger must
        never raise anything else)."""
        raw = bytes(data)
        try:
            c = container.parse(data, source, kind=VK_MAGIC, versions=[VK_VERSION])
            vk = _parse(c, source)
            canonical = vk.to_bytes() == raw
        except InputError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError, OverflowError) as e:
            raise InputError(f"{source}: corrupt verifying key ({type(e).__name__})") from None
        if not canonical:
            raise InputError(f"{source}: the verifying key is not in canonical form")
        vk._bytes = raw
        return vk


def _parse(c, source: str) -> VerifyingKey:
    from deepprove_cli.graph.program import Graph
    from deepprove_cli.model.arch import config_from_json
    from deepprove_cli.model.dpq import check_graph_inputs, read_table_values
    from deepprove_cli.model.qformat import QuantConfig
    from deepprove_cli.model.qtables import TableSet, TableSpec
    from deepprove_cli.model.tokenizer_spec import TokenizerSpec

    meta = c.meta
    want = {"config", "quant", "tables", "graph", "tokenizer", "pcs", "weights"}
    if set(meta) != want:
        raise InputError(f"{source}: verifying key sections {sorted(meta)} are not {sorted(want)}")
    cfg = config_from_json(meta["config"], source)
    quant = QuantConfig.from_json(meta["quant"], source)
    specs = [TableSpec.from_json(t, source) for t in meta["tables"]]
    graph = Graph.from_json(meta["graph"], source)
    tok = TokenizerSpec.from_container(meta["tokenizer"], c)
    pcs = _params_from_json(meta["pcs"], source)
    weights = None if meta["weights"] is None else _weights_from_json(meta["weights"], c[_COMMITMENT], source)
    if weights is not None and weights.commitment.mismatch(pcs):
        raise InputError(f"{source}: the weight commitment was not made with the key's Basefold parameters "
                         f"({weights.commitment.mismatch(pcs)})")
    public = {n[len(_W):]: c[n] for n in c.names() if n.startswith(_W)}
    for n, a in public.items():
        if a.size >= COMMIT_MIN_ELEMENTS:
            raise InputError(f"{source}: array {n!r} has {a.size} elements: the rule commits it, "
                             "it cannot travel in clear")
    both = set(public) & set(weights.names if weights else ())
    if both:
        raise InputError(f"{source}: array {sorted(both)[0]!r} is both committed and in clear")
    values = read_table_values(specs, c, _T)
    check_graph_inputs(graph, set(public) | set(weights.names if weights else ()), values, source)
    return VerifyingKey(cfg, tok, quant, graph, TableSet.from_parts(specs, values), public, weights, pcs)


def model_id_of(vk_bytes: bytes) -> str:
    """The model id: BLAKE3 of the verifying key's bytes, hex."""
    from deepprove_cli.hash.blake3 import blake3

    return blake3(bytes(vk_bytes)).hex()


# ---- files beside model.dpq --------------------------------------------------------------------

def _beside(dpq_path: str, ext: str) -> str:
    stem = dpq_path[:-4] if dpq_path.lower().endswith(".dpq") else dpq_path
    return stem + ext


def vk_path(dpq_path: str) -> str:
    return _beside(dpq_path, ".vk")


def dpc_path(dpq_path: str) -> str:
    return _beside(dpq_path, ".dpc")


def write_vk(path: str, vk: VerifyingKey) -> int:
    """Write atomically (`-` is stdout); returns the number of bytes."""
    meta, specs = vk._meta_specs()
    try:
        return container.write(path, VK_MAGIC, VK_VERSION, meta, specs)
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


def load_vk(path: str) -> VerifyingKey:
    """Read and parse model.vk (InputError on a missing or malformed file)."""
    return VerifyingKey.from_bytes(read_bytes(path, "verifying key (model.vk)"), path)


def commit_weights(qm, path: str, params=None) -> WeightCommitment | None:
    """Commit the arrays the rule commits (one Basefold batch), streaming the prover data into the
    container `path` (model.dpc). Returns None, writing nothing, when no array is big enough."""
    from deepprove_cli.pcs import commit_stream

    params = params or weight_params()
    names = committed_names(qm.arrays)
    if not names:
        return None
    tables = weight_tables(qm.arrays, names)
    stream = commit_stream(tables, params, prefix="pcs/")
    shapes = [list(qm.arrays[n].shape) for n in names]
    meta = {"pcs_data": stream.meta, "names": names, "shapes": shapes, "content_digest": qm.content_digest,
            "pcs": _params_json(params)}
    try:
        container.write(path, DPC_MAGIC, DPC_VERSION, meta, stream.specs)
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None
    return WeightCommitment(stream.commitment, tuple(names), tuple(tuple(s) for s in shapes))


def commit_model(qm, dpq_path: str, params=None) -> VerifyingKey:
    """The quantize step after model.dpq is written: model.dpc and model.vk beside it."""
    params = params or weight_params()
    dpc = dpc_path(dpq_path)
    weights = commit_weights(qm, dpc, params)
    if weights is None and os.path.exists(dpc):
        os.unlink(dpc)  # a stale commitment of another model must not sit beside this one
    vk = VerifyingKey.of(qm, weights, params)
    write_vk(vk_path(dpq_path), vk)
    return vk


@dataclass
class ModelFiles:
    """A quantized model ready to prove: the program, its key, and the opened weight commitment
    (`weights` = (Commitment, ProverData, names) as the prover takes it, or None)."""

    qm: object
    vk: VerifyingKey
    weights: tuple | None
    path: str = ""

    @property
    def model_id(self) -> str:
        return self.vk.model_id


def load_weights(dpq_path: str, qm=None):
    """(Commitment, ProverData memory-mapped, names) of model.dpc beside `dpq_path`, checked to
    belong to that dpq; None when the model commits no array."""
    from deepprove_cli.model.dpq import load_dpq
    from deepprove_cli.pcs import ProverData

    qm = qm if qm is not None else load_dpq(dpq_path)
    names = committed_names(qm.arrays)
    if not names:
        return None
    path = dpc_path(dpq_path)
    if not os.path.exists(path):
        raise InputError(f"{dpq_path} has no weight commitment beside it ({path} is missing)",
                         hint=f"re-run: dp quantize <model.dpm> -o {dpq_path}")
    c = container.read(path, kind=DPC_MAGIC, versions=[DPC_VERSION])
    meta = c.meta
    if not isinstance(meta, dict) or meta.get("content_digest") != qm.content_digest:
        raise InputError(f"{path} is the weight commitment of another model than {dpq_path}",
                         hint=f"re-run: dp quantize <model.dpm> -o {dpq_path}")
    if meta.get("names") != names or meta.get("shapes") != [list(qm.arrays[n].shape) for n in names]:
        raise InputError(f"{path}: the committed arrays are not those of {dpq_path}")
    data = ProverData.from_container(meta.get("pcs_data"), c)
    return data.commitment, data, names


def load_model(dpq_path: str) -> ModelFiles:
    """model.dpq with its commitment (model.dpc) and key (model.vk), each checked against the others:
    the key is rebuilt from the dpq and the commitment and must equal the file beside them."""
    from deepprove_cli.model.dpq import load_dpq

    qm = load_dpq(dpq_path)
    weights = load_weights(dpq_path, qm)
    path = vk_path(dpq_path)
    if not os.path.exists(path):
        raise InputError(f"{dpq_path} has no verifying key beside it ({path} is missing)",
                         hint=f"re-run: dp quantize <model.dpm> -o {dpq_path}")
    stored = load_vk(path)
    wc = None
    if weights is not None:
        wc = WeightCommitment(weights[0], tuple(weights[2]), tuple(tuple(qm.arrays[n].shape) for n in weights[2]))
    vk = VerifyingKey.of(qm, wc, stored.pcs)
    if vk.to_bytes() != stored.to_bytes():
        raise InputError(f"{path} is not the verifying key of {dpq_path} and its commitment",
                         hint=f"re-run: dp quantize <model.dpm> -o {dpq_path}")
    vk._bytes = stored.to_bytes()
    return ModelFiles(qm, vk, weights, dpq_path)


def model_id_beside(dpq_path: str) -> str | None:
    """The model id of the vk beside a dpq (hash of its bytes, not parsed), or None if there is none."""
    path = vk_path(dpq_path)
    if dpq_path == "-" or not os.path.exists(path):
        return None
    return model_id_of(read_bytes(path, "verifying key"))



class CommitStep:
    """`dp quantize`'s weight-commitment step (model.quantize.quantize_model's `commit_weights`
    hook): commits the weights and writes model.dpc and model.vk beside the dpq just written."""

    def __init__(self, progress=None, params=None):
        self.progress = progress or (lambda _m: None)
        self.params = params
        self.vk: VerifyingKey | None = None
        self.seconds = 0.0

    def __call__(self, qm, dpq_path: str) -> None:
        import time

        n = len(committed_names(qm.arrays))
        self.progress(f"committing {n} weight arrays (Basefold) -> {dpc_path(dpq_path)}")
        t0 = time.perf_counter()
        self.vk = commit_model(qm, dpq_path, self.params)
        self.seconds = time.perf_counter() - t0

    def summary(self, dpq_path: str) -> dict:
        """What `dp quantize` reports (and --json prints) about the commitment and the key."""
        vk = self.vk
        w = vk.weights
        return {"model_id": vk.model_id, "vk": vk_path(dpq_path), "vk_bytes": len(vk.to_bytes()),
                "dpc": dpc_path(dpq_path) if w else None,
                "dpc_bytes": os.path.getsize(dpc_path(dpq_path)) if w else 0,
                "committed_arrays": len(vk.committed), "public_arrays": len(vk.public),
                "committed_elements": int(sum(np.prod(s, dtype=np.int64) for s in w.shapes)) if w else 0,
                "commit_s": round(self.seconds, 3)}

