"""What the verifier needs from a model: `VerifierKey` (graph spec, public arrays, tables, the weight
commitment with its names and shapes, the model id), and adapters from a QuantizedModel (tests, and
the prover, which plans with the same public view) or from a verifying key object."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from deepprove_cli.errors import InputError


@dataclass
class VerifierKey:
    graph: object                                   # graph.program.Graph
    arrays: dict                                    # arrays in clear (name -> ndarray)
    tables: dict                                    # lookup tables: name -> (values int64, lo)
    model_id: str
    weight_commitment: object | None = None         # pcs Commitment of the committed arrays
    weight_names: list = field(default_factory=list)  # their names in polynomial order
    weight_shapes: dict = field(default_factory=dict)
    n_vocab: int = 0


def key_from_model(qm, weights=None, model_id: str | None = None) -> VerifierKey:
    """The public view of a QuantizedModel with `weights` = (Commitment, ProverData, names) or None:
    arrays named there are committed, the others travel in clear."""
    com, names = (weights[0], list(weights[2])) if weights is not None else (None, [])
    missing = [n for n in names if n not in qm.arrays]
    if missing:
        raise InputError(f"the weight commitment names {missing[0]!r}, which the model does not have")
    if com is not None and len(com.num_vars) != len(names):
        raise InputError("the weight commitment and its names list differ in length")
    committed = set(names)
    arrays = {n: a for n, a in qm.arrays.items() if n not in committed}
    tables = {n: qm.tables.get(n) for n in qm.tables.specs}
    return VerifierKey(qm.graph, arrays, tables, model_id or qm.content_digest, com, names,
                       {n: tuple(qm.arrays[n].shape) for n in names}, int(qm.config.n_vocab))


def as_key(vk_like) -> VerifierKey:
    """A VerifierKey from one, or from any object with the same attributes (a verifying key)."""
    if isinstance(vk_like, VerifierKey):
        return vk_like
    try:
        return VerifierKey(vk_like.graph, dict(vk_like.arrays), dict(vk_like.tables), str(vk_like.model_id),
                           getattr(vk_like, "weight_commitment", None), list(getattr(vk_like, "weight_names", [])),
                           {k: tuple(v) for k, v in dict(getattr(vk_like, "weight_shapes", {})).items()},
                           int(getattr(vk_like, "n_vocab", 0) or 0))
    except AttributeError as e:
        raise InputError(f"not a verifying key: {e}") from None


def weight_table(values: np.ndarray) -> np.ndarray:
    """The polynomial a committed array is in the weight commitment: its zero-padded row-major table
    (relations.layout), the layout every claim on it refers to."""
    from deepprove_cli.relations.layout import TensorLayout

    a = np.asarray(values)
    return TensorLayout(a.shape).table(a)
