"""Fixed-point formats: how float weights and scales become the integers and multipliers of the program.

- `QuantConfig`: every knob of the quantizer (bit widths, fractional bits, table resolutions).
- `quantize_rows`: per-output-channel weight quantization under an accumulator budget. Each row's
  scale is the smallest that keeps sum_k |W_q[c, k]| * bound(x) within the limit (the most precise
  weights the field allows), then nudged so that the requantization multiplier M_c / 2^k is exact:
  the integers compute exactly what the chosen scales say, nothing is rounded twice.
- `multipliers`: per-channel M / 2^k for given real ratios (norm weights, smoothing factors).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from deepprove_cli.errors import InputError

MULT_BITS = 14
W_MAX = (1 << 15) - 2  # rounding keeps |W_q| <= 2^15 - 1  # multipliers M < 2^14: 2^-14 relative precision where they are rounded
MAX_SHIFT = 28


@dataclass(frozen=True)
class QuantConfig:
    """Quantization parameters (stored in the .dpq; every one changes the integer program)."""

    act_bits: int = 20          # pre-norm outputs (matmul inputs), per-channel scales
    down_bits: int = 20         # MLP down projection input (per-row magnitudes vary by 2^8)
    limb_above: int = 14        # matmul inputs at least 2^14 wide are fed as two limbs (the weights
                                # keep the precision of a half-width input, the activation all its bits)
    qk_bits: int = 12           # queries and keys (reduced automatically for wide heads)
    qk_l2_bits: int = 14        # gemma3's normalized q, k: head rows of norm <= 2^14
    v_bits: int = 15            # values, per-channel scales (attention.V: sum p <= 2^14 + n/2)
    attn_out_bits: int = 20     # attention output (softmax . V)
    up_bits: int = 12           # the MLP up projection (gated models), per-channel scales
    resid_bits: int = 27        # residual stream |x| < 2^resid_bits
    postnorm_bits: int = 20     # inputs of gemma3's post-norms (block floating point follows)
    acc_log2: int = 29          # weight budget: sum_k |W_q| * bound(x) <= 2^acc_log2 (lm head: one less)
    margin: float = 2.0         # clamp level = calibrated max * margin
    channel_floor: float = 1.0 / 64  # per-channel ranges floored at this fraction of the tensor's
    smooth_alpha: float = 0.5   # SmoothQuant migration strength into the down projection
    exp_frac: int = 14          # exp table values 2^exp_frac * exp(-d)
    exp_step_log2: int = -10    # exp table input unit (real units of the scaled scores)
    exp_log_size: int = 14      # exp table domain [0, 2^14): d up to 16
    prob_frac: int = 14         # softmax outputs round(2^prob_frac * p)
    act_log_size: int = 18      # silu / gelu tables: domain [-2^17, 2^17)
    rope_frac: int = 14         # cos / sin fixed point
    norm_e2: int = 12           # norm: the row mantissa has A + 12 bits (A: what d allows squaring)
    norm_rsqrt_frac: int = 22   # rsqrt table 2^22 / sqrt(h), h in [2^14, 2^16): 14-15 bit values
    norm_z_bits: int = 24       # normalized rows: |z| <= 2^24 for |y| <= sqrt(d)
    max_len: int = 4096         # positions supported (RoPE tables, softmax sums); <= the model's

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict, source: str) -> "QuantConfig":
        names = {f.name: f.type for f in dataclasses.fields(cls)}
        if not isinstance(d, dict) or set(d) - set(names):
            raise InputError(f"{source}: unknown quantization parameters")
        try:
            return cls(**{k: (float(v) if isinstance(getattr(cls, k), float) else int(v)) for k, v in d.items()})
        except (TypeError, ValueError):
            raise InputError(f"{source}: corrupt quantization parameters") from None


@dataclass
class QuantRows:
    """Integer weights (out, in), requant multipliers M (out,) with shift k, and each row's real scale."""

    w: np.ndarray
    m: np.ndarray | None
    k: int
    scale: np.ndarray


def _int_dtype(a: np.ndarray) -> np.ndarray:
    hi = int(np.abs(a).max()) if a.size else 0
    return a.astype(np.int16 if hi < (1 << 15) else np.int32)


def row_scales(w: np.ndarray, a_bound: int, acc_log2: int) -> np.ndarray:
    """The finest per-row scale with sum_k |round(w / s)| * a_bound <= 2^acc_log2 (rounding adds at
    most K / 2 per row, budgeted) and every |round(w / s)| < 2^15."""
    l1 = np.abs(w).sum(axis=1)
    budget = (2.0 ** acc_log2) / max(a_bound, 1) - w.shape[1] / 2.0 - 1.0
    if budget <= 1.0:
        raise InputError(f"activation bound {a_bound} leaves no room for weights (budget 2^{acc_log2})")
    # and |W_q| < 2^15: int16 weights (half the memory traffic of int32 when decoding; 15 bits per
    # row are far more than the 4-8 bit weights of the source models carry)
    s = np.maximum(l1 / budget, np.abs(w).max(axis=1) / W_MAX)
    return np.where(s > 0, s, 1.0)


def quantize_rows(w: np.ndarray, a_bound: int, acc_log2: int, out_scale) -> QuantRows:
    """Weights (out, in) in real units per input integer -> integers whose accumulators requantize to
    `out_scale` (scalar or per row) through exact multipliers M_c / 2^k."""
    w = np.asarray(w, dtype=np.float64)
    s_min = row_scales(w, a_bound, acc_log2)
    out = np.broadcast_to(np.asarray(out_scale, dtype=np.float64), s_min.shape)
    r = s_min / out
    k = int(math.floor(math.log2(((1 << MULT_BITS) - 1) / float(r.max()))))
    k = max(0, min(MAX_SHIFT, k))
    m = np.maximum(np.ceil(r * (1 << k)), 1.0)
    scale = m * out / (1 << k)
    q = np.rint(w / scale[:, None])
    return QuantRows(_int_dtype(q), m.astype(np.int64), k, scale)


def quantize_tensor(w: np.ndarray, a_bound: int, acc_log2: int) -> QuantRows:
    """One scale for the whole matrix (the logits: a common scale, no requantization)."""
    w = np.asarray(w, dtype=np.float64)
    s = float(row_scales(w, a_bound, acc_log2).max())
    q = np.rint(w / s)
    return QuantRows(_int_dtype(q), None, 0, np.full(w.shape[0], s))


def multipliers(ratio: np.ndarray, bits: int = MULT_BITS) -> tuple[np.ndarray, int, np.ndarray]:
    """(M, k, exact ratio) with M = round(ratio * 2^k), |M| < 2^bits, for signed per-channel ratios."""
    ratio = np.asarray(ratio, dtype=np.float64)
    top = float(np.abs(ratio).max())
    if top == 0:
        return np.zeros(ratio.shape, np.int64), 0, np.zeros(ratio.shape)
    k = int(math.floor(math.log2(((1 << bits) - 1) / top)))
    k = max(0, min(MAX_SHIFT, k))
    m = np.rint(ratio * (1 << k)).astype(np.int64)
    return m, k, m / float(1 << k)


def scale_for(max_abs: float, bits: int, margin: float) -> float:
    """Real value of one unit when max_abs * margin maps to 2^(bits-1)."""
    return max(float(max_abs), 1e-12) * margin / float(1 << (bits - 1))


def channel_scales(ch_max: np.ndarray, bits: int, margin: float, floor: float) -> np.ndarray:
    """Per-channel scales (per-channel activation quantization), each range floored at `floor` x the
    tensor's maximum so rarely active channels keep a sane range."""
    ch = np.asarray(ch_max, dtype=np.float64)
    top = max(float(ch.max()), 1e-12)
    return np.maximum(ch, floor * top) * margin / float(1 << (bits - 1))
