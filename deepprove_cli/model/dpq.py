"""The .dpq artifact: the quantized model as an integer program, in one container.

Layout (a `deepprove_cli.io.container` of kind DPQUANT, version 1):
  meta.config          the architecture config (`ModelConfig.to_json()`)
  meta.tokenizer       the tokenizer spec's meta (its lists are arrays named "tokenizer.*")
  meta.quant           the QuantConfig
  meta.tables          every lookup table's spec (kind, domain, formula parameters, lookups per token)
  meta.graph           the graph spec: nodes in order with parameters, shapes, bounds, scales
  meta.source          the .dpm it was made from (path, size, the GGUF's identity) for `dp bench accuracy`
  meta.calibration     what calibration saw (tokens, text digest)
  meta.content_digest  BLAKE3 over the canonical bytes of config + quant + tables + graph + arrays:
                       the model reference in run.dpt until weight commitments give the model id
  arrays "w/<name>"    the program's public arrays (integer weights, multipliers, RoPE tables)
  arrays "table/<name>" lookup table contents, indexed by input - lo

The model id of DESIGN.md (BLAKE3 of model.vk) needs the weight commitment roots, which the
integration step adds after quantization (`commit_weights` in `model.quantize`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.graph.node import Store
from deepprove_cli.graph.program import Graph
from deepprove_cli.io import container
from deepprove_cli.io.container import ArraySpec
from deepprove_cli.model.arch import ModelConfig, config_from_json
from deepprove_cli.model.qformat import QuantConfig
from deepprove_cli.model.qtables import TableSet, TableSpec

DPQ_MAGIC = b"DPQUANT\0"
DPQ_VERSION = 1
_W, _T = "w/", "table/"


@dataclass
class QuantizedModel:
    config: ModelConfig
    tokenizer: object  # model.tokenizer.TokenizerSpec
    quant: QuantConfig
    graph: Graph
    arrays: dict[str, np.ndarray]
    tables: TableSet
    source: dict = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)
    content_digest: str = ""

    def store(self) -> Store:
        """The model's Store (one per loaded model: its float64 weight copies are made once)."""
        if getattr(self, "_store", None) is None:
            self._store = Store(self.arrays, self.tables)
        return self._store

    def core_meta(self) -> dict:
        """What the content digest covers besides the arrays (canonical JSON)."""
        return {"config": self.config.to_json(), "quant": self.quant.to_json(),
                "tables": [self.tables.specs[n].to_json() for n in sorted(self.tables.specs)],
                "graph": self.graph.to_json()}

    def compute_digest(self) -> str:
        from deepprove_cli.hash.blake3 import blake3

        head = json.dumps(self.core_meta(), sort_keys=True, separators=(",", ":")).encode()
        parts = [blake3(head)]
        for prefix, arrays in ((_W, self.arrays), (_T, self.tables.values)):
            for name in sorted(arrays):
                a = np.ascontiguousarray(arrays[name])
                desc = json.dumps([prefix + name, a.dtype.str, list(a.shape)]).encode()
                parts.append(blake3(desc) + blake3(a.view(np.uint8).reshape(-1) if a.size else b""))
        return blake3(b"".join(parts)).hex()


def _table_dtype(v: np.ndarray) -> np.ndarray:
    big = v.size and max(abs(int(v.min())), abs(int(v.max()))) >= (1 << 31)
    return v.astype(np.int64 if big else np.int32)


def write_dpq(path: str, qm: QuantizedModel) -> int:
    """Write atomically (`-` is stdout); returns the number of bytes."""
    tok_meta, tok_arrays = qm.tokenizer.to_container()
    meta = qm.core_meta()
    meta.update(tokenizer=tok_meta, source=qm.source, calibration=qm.calibration, content_digest=qm.content_digest)
    specs = [ArraySpec.of(_W + n, np.ascontiguousarray(a)) for n, a in sorted(qm.arrays.items())]
    specs += [ArraySpec.of(_T + n, _table_dtype(v)) for n, v in sorted(qm.tables.values.items())]
    try:
        return container.write(path, DPQ_MAGIC, DPQ_VERSION, meta, specs + list(tok_arrays))
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


def read_table_values(specs: list[TableSpec], c, prefix: str) -> dict[str, np.ndarray]:
    """Each table's contents (array `prefix + name`), checked against its spec's size, as int64."""
    values = {}
    for s in specs:
        v = c[prefix + s.name]
        if v.shape != (s.size,):
            raise InputError(f"{c.source}: table {s.name!r} has {v.size} entries, its spec says {s.size}")
        values[s.name] = v.astype(np.int64)
    return values


def check_graph_inputs(graph: Graph, arrays: set[str], tables: dict, source: str) -> None:
    """Every array and table a node names is present (a file naming absent ones is refused)."""
    for n in graph.nodes:
        for a in n.arrays.values():
            if a not in arrays:
                raise InputError(f"{source}: node {n.name!r} needs the array {a!r}, which is missing")
        for t in n.tables.values():
            if t not in tables:
                raise InputError(f"{source}: node {n.name!r} needs the table {t!r}, which is missing")


def load_dpq(path: str) -> QuantizedModel:
    """Read a .dpq (memory-mapped arrays). Another format version is refused with a clear message."""
    from deepprove_cli.model.tokenizer import TokenizerSpec

    c = container.read(path, kind=DPQ_MAGIC, versions=[DPQ_VERSION])
    meta = c.meta
    src = c.source
    try:
        cfg = config_from_json(meta["config"], src)
        quant = QuantConfig.from_json(meta["quant"], src)
        specs = [TableSpec.from_json(t, src) for t in meta["tables"]]
        graph = Graph.from_json(meta["graph"], src)
        tok = TokenizerSpec.from_container(meta["tokenizer"], c)
    except KeyError as e:
        raise InputError(f"{src}: the quantized model has no {e.args[0]!r} section") from None
    arrays = {n[len(_W):]: c[n] for n in c.names() if n.startswith(_W)}
    values = read_table_values(specs, c, _T)
    check_graph_inputs(graph, set(arrays), values, src)
    return QuantizedModel(cfg, tok, quant, graph, arrays, TableSet.from_parts(specs, values),
                          dict(meta.get("source", {})), dict(meta.get("calibration", {})),
                          str(meta.get("content_digest", "")))
