"""Attention nodes: Rope (fixed-point rotation by position), KVCache (the K/V concatenation), Softmax."""

from __future__ import annotations

import math

import numpy as np

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


@register
class Softmax(Node):
    """Causal softmax over the key axis (last), rows = (query, heads...):

      u  = mul_shift(s, M, k, limb)        scores to exp-table units (attention scale folded in)
      m  = RowMax(u over allowed keys)     [advice: m, the argmax one-hot]
      d  = (m - u) * mask >= 0             (public causal / sliding-window mask)
      dc = clamp_tab[Split(d, j).hi] 2^j + lo   (soft clamp into the exp domain) [advice: hi, lo]
      e  = exp_tab[dc] * mask              [advice: e]
      S  = sum_keys e                      (Einsum with ones; S >= 2^Fe: the max has d = 0)
      p  = DivRem(2 e 2^Fp + S, 2 S).q     = round(e 2^Fp / S)  [advice: p, r; r, 2S-1-r range checked]

    so sum_keys p <= 2^Fp + keys / 2, which bounds the attention.V accumulators."""

    kind = "softmax"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        p = self.params
        s = intops.as_int(ins[0])
        if not ctx.keep_advice and s.size:  # the fused row kernel (equal integers, tested)
            from deepprove_cli.model.intkernels import softmax_args, softmax_rows

            return {"out": softmax_rows(s, ctx.positions, store.prepared(self.name, lambda: softmax_args(
                p, store.table(self.tables["clamp"]), store.table(self.tables["exp"]))))}
        n_keys = s.shape[-1]
        mask = attention_mask(ctx.positions, n_keys, p.get("window"))
        mask = mask.reshape((mask.shape[0],) + (1,) * (s.ndim - 2) + (n_keys,))
        u = intops.mul_shift(s, np.int64(p["m"]), p["k"], p["s"])
        mx = intops.row_max(u, np.broadcast_to(mask, u.shape))
        d = (mx[..., None] - u) * mask
        j = p["clamp_j"]
        hi, lo = intops.split(d, j)
        cv, clo = store.table(self.tables["clamp"])
        dc = (intops.lookup(hi, cv, clo) << j) + lo
        ev, elo = store.table(self.tables["exp"])
        e = intops.lookup(dc, ev, elo) * mask
        tot = e.sum(axis=-1)
        fp = p["frac_p"]
        q, r = intops.divrem((e << (fp + 1)) + tot[..., None], 2 * tot[..., None])
        out = {"out": q}
        if ctx.keep_advice:
            out.update(u=u, max=mx, d=d, clamp_hi=hi, clamp_lo=lo, exp=e, sum=tot, rem=r)
        return out

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        in_bounds, in_shapes = [n.bound for n in ins], [n.shape for n in ins]
        p = self.params
        ui, ub = intops.mul_shift_bound(in_bounds[0], p["m"], p["k"], p["s"])
        dmax = 2 * ub
        cv, clo = store.table(self.tables["clamp"])
        if clo > 0 or (dmax >> p["clamp_j"]) >= clo + cv.shape[0]:
            raise intops.IntegrityError(f"softmax {self.name}: clamp table does not cover d >> j")
        ev, elo = store.table(self.tables["exp"])
        dc_max = (int(cv.max()) << p["clamp_j"]) + (1 << p["clamp_j"]) - 1
        if elo > 0 or dc_max >= elo + ev.shape[0]:
            raise intops.IntegrityError(f"softmax {self.name}: exp table does not cover the clamped d")
        e_max = int(ev.max())
        n_keys = p["max_keys"]
        tot = n_keys * e_max
        num = (e_max << (p["frac_p"] + 1)) + tot
        out = (1 << p["frac_p"]) + 1
        return out, {"u_mul": ui, "u": ub, "d": dmax, "sum": tot, "div_num": num, "div_den": 2 * tot, "out": out}

    def row_sum_bound(self) -> int:
        """A bound on sum_keys p: 2^Fp + keys / 2 (rounding adds at most 1/2 per key)."""
        return (1 << self.params["frac_p"]) + self.params["max_keys"] // 2 + 1
