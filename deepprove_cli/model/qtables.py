"""Lookup tables of the integer program: their specs (kind, domain, formula parameters) and contents.

A table is a function on an integer domain [lo, lo + 2^log_size). Its contents are computed here, at
quantize time, with floating point, then stored in the .dpq: inference and proving only ever read the
stored integers. The spec records what the contents mean (for the verifying key and for humans), the
number of lookups into the table per token (the prover's cost model) and is hashed with them.

Kinds (one formula each; `build` is the only place that evaluates them):
  clamp    T(i) = clamp(i, cmin, cmax)                              soft clamps, residual bounds
  exp      T(i) = round(one * exp(-i * step)), one = 2^frac unless given   softmax numerators (i >= 0)
  silu     T(i) = round(silu(i * step_in) / step_out)               gated MLP (llama)
  gelu     T(i) = round(gelu_tanh(i * step_in) / step_out)          MLP (gpt2), gated MLP (gemma3)
  tanh     T(i) = round(cap * tanh(i * step_in / cap) / step_out)   soft-capping (gemma)
  rsqrt    T(h) = round(2^frac / sqrt(h + 1/2))                     RMS/LayerNorm reciprocal root
  pow2     T(i) = floor(2^(top - i))                                per-row exponent -> multiplier
  eps      per segment [first, n, value, e0]: T(first + j) = min(cap, round(value 4^-(e0 + j)))
           (the norm epsilon at row exponent e0 + j of one norm site; 0 outside the segments)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from deepprove_cli.errors import InputError

MAX_LOG_SIZE = 20
KINDS = ("clamp", "exp", "silu", "gelu", "tanh", "rsqrt", "pow2", "eps")


@dataclass
class TableSpec:
    """One lookup table: name, kind, domain [lo, lo + 2^log_size), formula parameters, and cost."""

    name: str
    kind: str
    lo: int
    log_size: int
    params: dict = field(default_factory=dict)
    lookups_per_token: int = 0

    @property
    def size(self) -> int:
        return 1 << self.log_size

    @property
    def hi(self) -> int:
        return self.lo + self.size

    def key(self) -> tuple:
        """Two specs with the same key have the same contents (the table is shared)."""
        return (self.kind, self.lo, self.log_size, json.dumps(self.params, sort_keys=True))

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "lo": self.lo, "log_size": self.log_size,
                "params": self.params, "lookups_per_token": self.lookups_per_token}

    @classmethod
    def from_json(cls, d: dict, source: str) -> "TableSpec":
        try:
            spec = cls(str(d["name"]), str(d["kind"]), int(d["lo"]), int(d["log_size"]), dict(d["params"]),
                       int(d.get("lookups_per_token", 0)))
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{source}: corrupt lookup-table spec") from None
        if spec.kind not in KINDS or not 0 <= spec.log_size <= MAX_LOG_SIZE:
            raise InputError(f"{source}: lookup table {spec.name!r} has an invalid kind or size")
        return spec


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + np.tanh(c * (x + 0.044715 * x ** 3)))


def _silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def _round(x: np.ndarray) -> np.ndarray:
    """Round half away from zero (numpy's rint rounds half to even; we want one documented rule)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def build(spec: TableSpec) -> np.ndarray:
    """The table's contents, int64, indexed by i - lo (float math at quantize time only)."""
    i = np.arange(spec.lo, spec.hi, dtype=np.int64)
    x = i.astype(np.float64)
    p = spec.params
    k = spec.kind
    if k == "clamp":
        return np.clip(i, int(p["cmin"]), int(p["cmax"]))
    if k == "exp":
        one = float(int(p["one"]) if "one" in p else 1 << int(p["frac"]))
        return _round(np.exp(-x * float(p["step"])) * one).astype(np.int64)
    if k in ("silu", "gelu"):
        f = _silu if k == "silu" else _gelu_tanh
        return _round(f(x * float(p["step_in"])) / float(p["step_out"])).astype(np.int64)
    if k == "tanh":
        cap = float(p["cap"])
        return _round(cap * np.tanh(x * float(p["step_in"]) / cap) / float(p["step_out"])).astype(np.int64)
    if k == "rsqrt":
        return _round(float(1 << int(p["frac"])) / np.sqrt(x + 0.5)).astype(np.int64)
    if k == "pow2":
        top = int(p["top"])
        if top - spec.lo >= 62:
            raise ValueError("pow2 table exponents out of range")
        return np.where(i <= top, np.left_shift(np.int64(1), np.maximum(top - i, 0)), 0).astype(np.int64)
    if k == "eps":
        out = np.zeros(spec.size, dtype=np.int64)
        for first, n, value, e0 in p["segments"]:
            j = np.arange(int(n), dtype=np.float64)
            vals = np.minimum(_round(float(value) * np.power(4.0, -(float(e0) + j))), float(p["cap"]))
            out[int(first) - spec.lo: int(first) - spec.lo + int(n)] = vals.astype(np.int64)
        return out
    raise ValueError(f"unknown table kind {k!r}")


class TableSet:
    """The model's tables by name; identical specs share one table (and one lookup argument)."""

    def __init__(self):
        self.specs: dict[str, TableSpec] = {}
        self.values: dict[str, np.ndarray] = {}
        self._by_key: dict[tuple, str] = {}

    def add(self, spec: TableSpec) -> str:
        """Register a table (or find the identical one already there); returns the name to use."""
        key = spec.key()
        if key in self._by_key:
            return self._by_key[key]
        if spec.log_size > MAX_LOG_SIZE:
            raise ValueError(f"table {spec.name} has 2^{spec.log_size} entries (max 2^{MAX_LOG_SIZE})")
        name = spec.name
        n = 2
        while name in self.specs:
            name = f"{spec.name}_{n}"
            n += 1
        spec.name = name
        self.specs[name] = spec
        self.values[name] = build(spec)
        self._by_key[key] = name
        return name

    def get(self, name: str) -> tuple[np.ndarray, int]:
        """(values, lo) of a table."""
        return self.values[name], self.specs[name].lo

    def remove(self, name: str) -> None:
        spec = self.specs.pop(name)
        del self.values[name]
        del self._by_key[spec.key()]

    def count(self, name: str, per_token: int) -> None:
        self.specs[name].lookups_per_token += per_token

    @classmethod
    def from_parts(cls, specs: list[TableSpec], values: dict[str, np.ndarray]) -> "TableSet":
        ts = cls()
        for s in specs:
            ts.specs[s.name] = s
            ts.values[s.name] = values[s.name]
            ts._by_key[s.key()] = s.name
        return ts
