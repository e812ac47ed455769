"""Attention nodes: Rope (fixed-point rotation by position), KVCache (the K/V concatenation), Softmax."""

from __future__ import annotations

import math

import numpy as np

from deepprove_cli.errors import InputError
from deepprove_cli.graph.node import EvalContext, Node, Store, register
from deepprove_cli.model import intops


@register
class Rope(Node):
    """Rotary embedding of the last axis by each row's position: for every rotated pair (a, b)
    a' = round((a cos - b sin) / 2^F), b' = round((a sin + b cos) / 2^F); dimensions past n_rot pass.

    cos/sin are public fixed-point tables (positions x n_rot/2, F fractional bits) selected by the
    public positions: Mul by public constants, Add, then a Split (remainder committed). Pairs are
    (i, i + n_rot/2) in NEOX style, (2i, 2i + 1) otherwise. Advice: round_lo (both halves)."""

    kind = "rope"

    def _pairs(self, x):
        n = self.params["n_rot"]
        if self.params["neox"]:
            return x[..., : n // 2], x[..., n // 2: n]
        return x[..., 0:n:2], x[..., 1:n:2]

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        x = intops.as_int(ins[0])
        fr = self.params["frac"]
        if ctx.positions.size and ctx.positions.max() >= store[self.arrays["cos"]].shape[0]:
            raise intops.IntegrityError("position beyond the RoPE tables")
        if not ctx.keep_advice and x.size:  # the fused kernel (equal integers, tested)
            from deepprove_cli.model.intkernels import rope_rows

            cos, sin = store.prepared(self.name, lambda: tuple(np.ascontiguousarray(store[self.arrays[a]], np.int64)
                                                               for a in ("cos", "sin")))
            return {"out": rope_rows(x, ctx.positions, cos, sin, self.params["n_rot"], bool(self.params["neox"]), fr)}
        shape = (x.shape[0],) + (1,) * (x.ndim - 2) + (-1,)
        cos = store[self.arrays["cos"]][ctx.positions].reshape(shape)
        sin = store[self.arrays["sin"]][ctx.positions].reshape(shape)
        a, b = self._pairs(x)
        ua, ub = a * cos - b * sin, a * sin + b * cos
        out = x.copy()
        ra, rb = intops.round_shift(ua, fr), intops.round_shift(ub, fr)
        n = self.params["n_rot"]
        if self.params["neox"]:
            out[..., : n // 2], out[..., n // 2: n] = ra, rb
        else:
            out[..., 0:n:2], out[..., 1:n:2] = ra, rb
        res = {"out": out}
        if ctx.keep_advice:
            half = 1 << (fr - 1)
            res["round_lo_a"] = intops.split(ua + half, fr)[1]
            res["round_lo_b"] = intops.split(ub + half, fr)[1]
        return res

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        cs = np.abs(store[self.arrays["cos"]].astype(np.int64)) + np.abs(store[self.arrays["sin"]].astype(np.int64))
        pre = in_bounds[0] * int(cs.max()) + (1 << (self.params["frac"] - 1))
        out = max((pre >> self.params["frac"]) + 1, in_bounds[0])
        if ins[0].l2:
            c, sn = (store[self.arrays[a]].astype(np.float64) for a in ("cos", "sin"))
            gain = float(np.sqrt(c ** 2 + sn ** 2).max()) / (1 << self.params["frac"])
            self.l2 = int(ins[0].l2 * gain + math.sqrt(in_shapes[0][-1])) + 1
        return out, {"rot": pre, "out": out}


@register
class KVCache(Node):
    """Keys or values of every position so far. In the one-shot pass (what is proven) the identity;
    in incremental decoding the cached rows followed by the new ones (the concatenation cache)."""

    kind = "kvcache"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        if ctx.cache is None:
            return {"out": ins[0]}
        # rows are appended into a buffer that doubles when full (no copy of the cache per step)
        buf, n = ctx.cache.get(self.name, (None, 0))
        x = ins[0]
        need = n + x.shape[0]
        if buf is None or need > buf.shape[0]:
            grown = np.empty((max(need, 2 * (0 if buf is None else buf.shape[0]), 16),) + x.shape[1:], x.dtype)
            if buf is not None:
                grown[:n] = buf[:n]
            buf = grown
        buf[n:need] = x
        ctx.cache[self.name] = (buf, need)
        return {"out": buf[:need]}

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        self.l2 = ins[0].l2
        return ins[0].bound, {}


def attention_mask(q_pos: np.ndarray, n_keys: int, window: int | None) -> np.ndarray:
    """allowed[t, s]: key s (position s) is at or before query t, and within the sliding window."""
    k_pos = np.arange(n_keys, dtype=np.int64)
    allowed = k_pos[None, :] <= q_pos[:, None]
    if window is not None:
        allowed &= (q_pos[:, None] - k_pos[None, :]) < window
    return allowed


def softmax_sum_split(tot: np.ndarray, b_bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The row sum S in block floating point: (f, S_h, lo) with S = S_h 2^f + lo, 0 <= lo < 2^f and
    S_h in [2^(B-1), 2^B) (B significant bits), for every S >= 2^(B-1)."""
    tot = intops.as_int(tot)
    if tot.size and int(tot.min()) < 1 << (b_bits - 1):
        raise intops.IntegrityError(f"softmax row sum below 2^{b_bits - 1}")
    f = intops.bitlen(tot) - b_bits
    s_h = tot >> f
    return f, s_h, tot - (s_h << f)


@register
class Softmax(Node):
    """Causal softmax over the key axis (last), rows = (query, heads...):

      u  = mul_shift(s, M, k, limb)        scores to exp-table units (attention scale folded in)
      m  = RowMax(u over allowed keys)     [advice: m, the argmax one-hot, d]
      d  = mask (m - u) + (1 - mask) D     (public causal / sliding-window mask; masked keys get
                                            D = cmax 2^j, where the exp table is 0)
      dc = clamp_tab[Split(d, j).hi] 2^j + lo   (soft clamp into the exp domain) [advice: hi, lo]
      e  = exp_tab[dc]                     [advice: e] (0 on masked keys; the max gives exp_tab[0])
      S  = sum_keys e                      (Einsum with ones; S >= exp_tab[0] >= 2^(B-1))
      f  = bitlen(S) - B, S = S_h 2^f + lo (S_h in [2^(B-1), 2^B), lo < 2^f)  [advice: f, S_h, pow2]
      p  = DivRem(2 e 2^(Fp-f) + S_h, 2 S_h).q  = round(e 2^Fp / (S_h 2^f))  [advice: p, r]

    The row sum is normalized to B = params["sum_bits"] significant bits so that the division is
    sound in the field: divisor 2 S_h < 2^(B+1) and quotient p <= 2^Fp (1 + 2^(1-B)) + 1 < 2^(Fp+1)
    need 2^(Fp+1) (2^(B+2) - 1) <= (p-1)/2 (relations.divrem): B = 12, Fp = 14. f <= Fp (the
    numerator's 2^(Fp-f) is an integer) holds because the exp table's top value exp_tab[0] keeps
    max_keys exp_tab[0] < 2^(Fp+B). The truncation of S costs a relative 2^(1-B) at most, the same
    factor for every key of a row. sum_keys p <= 2^Fp + 2^(Fp+1-B) + keys / 2 bounds attention.V."""

    kind = "softmax"

    def _check_params(self) -> dict:
        p = self.params
        if "sum_bits" not in p:
            raise InputError(f"softmax {self.name}: the model was quantized by an older dp (no sum_bits)",
                             hint="quantize the model again")
        return p

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        p = self._check_params()
        s = intops.as_int(ins[0])
        if not ctx.keep_advice and s.size:  # the fused row kernel (equal integers, tested)
            from deepprove_cli.model.intkernels import softmax_args, softmax_rows

            return {"out": softmax_rows(s, ctx.positions, store.prepared(self.name, lambda: softmax_args(
                p, store.table(self.tables["clamp"]), store.table(self.tables["exp"]))))}
        n_keys = s.shape[-1]
        mask = attention_mask(ctx.positions, n_keys, p.get("window"))
        mask = np.broadcast_to(mask.reshape((mask.shape[0],) + (1,) * (s.ndim - 2) + (n_keys,)), s.shape)
        u = intops.mul_shift(s, np.int64(p["m"]), p["k"], p["s"])
        mx = intops.row_max(u, mask)
        j = p["clamp_j"]
        cv, clo = store.table(self.tables["clamp"])
        d = np.where(mask, mx[..., None] - u, masked_distance(cv, j))
        hi, lo = intops.split(d, j)
        dc = (intops.lookup(hi, cv, clo) << j) + lo
        ev, elo = store.table(self.tables["exp"])
        e = intops.lookup(dc, ev, elo)
        tot = e.sum(axis=-1)
        f, s_h, s_lo = softmax_sum_split(tot, p["sum_bits"])
        fp = p["frac_p"]
        num = (e << (fp + 1 - f)[..., None]) + s_h[..., None]
        q, r = intops.divrem(num, 2 * s_h[..., None])
        out = {"out": q}
        if ctx.keep_advice:
            out.update(u=u, max=mx, d=d, clamp_hi=hi, clamp_lo=lo, exp=e, sum=tot, sum_exp=f, sum_hi=s_h,
                       sum_lo=s_lo, rem=r)
        return out

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        p = self._check_params()
        ui, ub = intops.mul_shift_bound(ins[0].bound, p["m"], p["k"], p["s"])
        dmax = 2 * ub
        j = p["clamp_j"]
        cv, clo = store.table(self.tables["clamp"])
        big = masked_distance(cv, j)
        if clo > 0 or (max(dmax, big) >> j) >= clo + cv.shape[0]:
            raise intops.IntegrityError(f"softmax {self.name}: clamp table does not cover d >> j")
        ev, elo = store.table(self.tables["exp"])
        dc_max = (int(cv.max()) << j) + (1 << j) - 1
        if elo > 0 or dc_max >= elo + ev.shape[0]:
            raise intops.IntegrityError(f"softmax {self.name}: exp table does not cover the clamped d")
        if int(ev[(int(cv[(big >> j) - clo]) << j) - elo]) != 0:
            raise intops.IntegrityError(f"softmax {self.name}: the exp table is not 0 at masked keys' distance {big}")
        e_top, e_max = int(ev[-elo]), int(ev.max())
        if e_top != e_max:
            raise intops.IntegrityError(f"softmax {self.name}: the exp table is largest away from 0")
        B, fp, n_keys = p["sum_bits"], p["frac_p"], p["max_keys"]
        tot = n_keys * e_max
        f_lo, f_hi = e_top.bit_length() - B, tot.bit_length() - B
        if e_top < 1 << (B - 1) or f_hi > fp:
            raise intops.IntegrityError(f"softmax {self.name}: row sums in [{e_top}, {tot}] do not normalize to "
                                        f"{B} bits with a shift in [0, {fp}]")
        pv, plo = store.table(self.tables["pow2"])
        if plo != 0 or pv.shape[0] <= fp or not np.array_equal(pv[:fp + 1], np.left_shift(1, fp - np.arange(fp + 1))):
            raise intops.IntegrityError(f"softmax {self.name}: the pow2 table must give 2^(Fp - i) on [0, Fp]")
        # any f the pow2 lookups admit (0..Fp) keeps the numerator within the field (DivRem needs |a| < p/2)
        num = (e_max << (fp + 1)) + (1 << B)
        out = (1 << fp) + (1 << (fp + 1 - B)) + 1
        return out, {"u_mul": ui, "u": ub, "d": max(dmax, big), "sum": tot, "sum_split": (1 << (B + fp)) + (1 << fp),
                     "sum_lo_pow2": 1 << (2 * fp),
                     "div_num": num, "div_den": 1 << (B + 1), "out": out}

    def row_sum_bound(self) -> int:
        """A bound on sum_keys p: 2^Fp (1 + 2^(1-B)) + keys / 2 (rounding adds at most 1/2 per key)."""
        p = self.params
        return (1 << p["frac_p"]) + (1 << (p["frac_p"] + 1 - p["sum_bits"])) + p["max_keys"] // 2 + 1


def masked_distance(clamp_values: np.ndarray, j: int) -> int:
    """d given to masked keys: the clamp table's top step, cmax 2^j (the exp table is 0 there)."""
    return int(clamp_values.max()) << j
