"""Build the integer program of a model (gpt2, llama, gemma3) from its float weights, calibration
statistics and a QuantConfig: the graph, its public arrays (integer weights, multipliers, RoPE tables)
and its lookup tables.

The structure mirrors `model.float_ref` block by block. Scales are chosen per site from calibration:
- residual stream: one scale, |x| < 2^R, soft-clamped after every add (R = `resid_bits`: wide, so
  the small values of early layers stay precise next to the massive activations of later ones);
- matmul inputs (norm outputs, MLP down inputs): per-channel scales (SmoothQuant-style migration for
  the MLP), folded into the weights, which are quantized per output row as finely as the accumulator
  budget allows; requantization multipliers are then exact by construction;
- q, k, v: one scale each (RoPE pairs must share one); the exp, silu/gelu and tanh tables use one
  input scale for the whole model so each table is shared by every layer.
Every node's worst-case bound is checked as it is added (Graph.add): an overflow refuses the model.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from deepprove_cli.graph.attention import KVCache, Rope, Softmax
from deepprove_cli.graph.elementwise import Add, Limbs, Lookup, Mul, Requant, Reshape, limb_parts
from deepprove_cli.graph.linear import Einsum, Embedding
from deepprove_cli.graph.norm import Norm, mean_limb, norm_constants, norm_ss_min, norm_z_bounds
from deepprove_cli.graph.output import Argmax
from deepprove_cli.graph.node import Node, Store
from deepprove_cli.graph.program import BoundError, Graph
from deepprove_cli.model import intops
from deepprove_cli.model.arch import ModelConfig
from deepprove_cli.model.calibrate import Stats
from deepprove_cli.model.qformat import (QuantConfig, channel_scales, multipliers, quantize_rows, quantize_tensor,
                                         scale_for)
from deepprove_cli.model.qtables import TableSet, TableSpec

EPS_CAP = 1 << 27


CLAMP_STEPS = 6  # soft clamps: 2^6 - 1 steps each side, so one clamp table serves every site
SOFTMAX_SUM_BITS = 12  # softmax row sums normalized to 12 significant bits (graph.attention.Softmax)


def softmax_exp_one(exp_frac: int, prob_frac: int, max_keys: int) -> int:
    """The exp table's value at 0: 2^exp_frac, lowered so that a row sum of max_keys of them stays
    below 2^(prob_frac + SOFTMAX_SUM_BITS) (its normalization shift must not exceed prob_frac). Refused
    when that leaves fewer than SOFTMAX_SUM_BITS - 1 bits (contexts beyond 2^(prob_frac + 1) keys)."""
    one = min(1 << exp_frac, ((1 << (prob_frac + SOFTMAX_SUM_BITS)) - 1) // max(1, max_keys))
    if one < 1 << (SOFTMAX_SUM_BITS - 1):
        raise BoundError(f"softmax: {max_keys} keys are too many for {prob_frac} fractional bits of probability")
    return one


def softmax_pow2_spec(prob_frac: int) -> TableSpec:
    """2^(Fp - i) on [0, Fp] (0 past it): the softmax's per-row 2^(Fp - f) and 2^f."""
    return TableSpec("pow2_softmax", "pow2", 0, _bitlen(prob_frac), {"top": prob_frac})


def _bitlen(v: int) -> int:
    return int(v).bit_length()


def eps_floor_exponent(eps_units: float, cap: int) -> int:
    """The smallest row exponent e at which eps_units / 4^e fits the eps cap: rows smaller than that
    are shifted by it anyway (eps dominates their denominator), so the eps term is never capped."""
    e = -64
    while eps_units / 4.0 ** e > cap:
        e += 1
    return e


def coarsening(worst_units: float, level: int, room_log2: int = 28) -> int:
    """The j >= 0 that brings a worst case of `worst_units` below 2^room_log2 (the requantization's
    output must fit the field before its clamp)."""
    j = 0
    while worst_units / (1 << j) > (1 << room_log2) and j < level - 1:
        j += 1
    return j


class Builder:
    """Adds nodes with their arrays and tables; remembers each node's (scalar or per-channel) scale."""

    def __init__(self, cfg: ModelConfig, weights: Mapping[str, np.ndarray], stats: Stats, qc: QuantConfig):
        self.cfg, self.wts, self.st, self.qc = cfg, weights, stats, qc
        self.max_len = min(cfg.n_ctx, qc.max_len)
        self.arrays: dict[str, np.ndarray] = {}
        self.tables = TableSet()
        self.store = Store(self.arrays, self.tables)
        self.g = Graph(self.max_len, {"arch": cfg.arch})
        self.scale: dict[str, object] = {}

    # --- plumbing ----------------------------------------------------------------------------------

    def W(self, name: str) -> np.ndarray:
        return np.asarray(self.wts[name], dtype=np.float64)

    def array(self, name: str, a: np.ndarray) -> str:
        self.arrays[name] = np.ascontiguousarray(a)
        return name

    def table(self, spec: TableSpec) -> str:
        return self.tables.add(spec)

    def bound(self, name: str) -> int:
        return self.g[name].bound

    def add(self, node: Node, scale) -> str:
        node.scale = float(np.max(np.abs(scale)))
        self.g.add(node, self.store)
        self.scale[node.name] = scale
        return node.name

    def probe(self, node: Node) -> int:
        """The output bound `node` would have (before a clamp is decided)."""
        ins = [self.g[i] for i in node.inputs]
        try:
            return node.bounds(ins, self.store)[0]
        except intops.IntegrityError as e:
            raise BoundError(f"op {node.name} ({node.kind}): {e}") from None

    def clamp(self, node: Node, level_log2: int | None) -> Node:
        """Give `node` a soft clamp to |y| < 2^level when its worst case reaches that level."""
        if level_log2 is None:
            return node
        b = self.probe(node)
        if b < 1 << level_log2:
            return node
        # one clamp table for every site: 2^c - 1 steps of 2^j each side (c = CLAMP_STEPS, fewer only
        # for tiny levels), domain 2^16 or as wide as the worst case needs (at most 2^20)
        c = min(CLAMP_STEPS, level_log2)
        j = level_log2 - c
        m = max(16, _bitlen(b >> j) + 1)
        if m > 20:  # a worst case far above the level: coarser steps in a 2^20 table
            m = 20
            j = _bitlen(b) - (m - 1)
            c = level_log2 - j
            if c < 1:
                raise BoundError(f"op {node.name}: worst case {b} is too far above the clamp level 2^{level_log2}")
        name = self.table(TableSpec(f"clamp{c}", "clamp", -(1 << (m - 1)), m, {"cmin": 1 - (1 << c), "cmax": (1 << c) - 1}))
        node.params["clamp_j"] = j
        node.tables["clamp"] = name
        return node

    # --- linear layers -----------------------------------------------------------------------------

    def linear(self, name: str, x: str, w: np.ndarray, out_scale, level: int | None, bias: np.ndarray | None = None,
               acc_log2: int | None = None, per_tensor: bool = False) -> str:
        """Einsum with integer weights (+ bias), then Requant to `out_scale` (scalar or per output
        channel) with an optional clamp; `per_tensor` stops at the accumulator (one common scale).

        When the worst case at `out_scale` would not fit the field (a residual branch whose worst
        case is far above its calibrated range), the requantization targets 2^j x out_scale, clamps
        there to 2^(level - j), and a Requant by 2^j restores the scale.

        An input wider than 2^limb_above is fed as two limbs (Limbs, one Einsum over both, a recombining
        Requant): the weights' budget sees half-width limbs, the activation keeps all its bits. A
        per-tensor (logits) matmul over limbs ends with that Requant too: y = acc_hi + round(acc_lo / 2^L)."""
        a_scale = np.asarray(self.scale[x], dtype=np.float64)
        x_in = x
        limb = (_bitlen(self.bound(x)) + 1) // 2 if self.bound(x) >= 1 << self.qc.limb_above else 0
        if limb:
            x = self.add(Limbs(name + ".limbs", [x], {"shift": limb}), a_scale)
        wf = np.asarray(w, dtype=np.float64) * (a_scale[None, :] if a_scale.ndim else a_scale)
        acc_log2 = self.qc.acc_log2 if acc_log2 is None else acc_log2
        ab = self.bound(x)
        j = 0
        if level is not None and not per_tensor:
            worst = float((np.abs(wf).sum(axis=1) * self.bound(x_in)).max())
            if bias is not None:
                worst += float(np.abs(bias).max())
            j = coarsening(worst / float(np.min(out_scale)), level)
        final_scale, out_scale = out_scale, np.asarray(out_scale, np.float64) * (1 << j)
        qr = quantize_tensor(wf, ab, acc_log2) if per_tensor else quantize_rows(wf, ab, acc_log2, out_scale)
        arrays = {"w": self.array(name + ".w", qr.w)}
        spec = "tlk,ok->tlo" if limb else "tk,ok->to"
        acc = self.add(Einsum(name + ".acc", [x], {"spec": spec}, arrays), qr.scale)
        if per_tensor:
            if not limb:
                return acc
            s_lo = intops.choose_limb(self.bound(acc), 1, limb)
            node = Requant(name, [acc], {"k": limb, "s": s_lo, "s_hi": 0, "limb_shift": limb, "m": 1})
            return self.add(node, qr.scale * (1 << limb))
        m_name = self.array(name + ".m", qr.m)
        params = {"k": qr.k}
        if limb:
            (fh, kh), (fl, kl) = limb_parts(qr.k, limb)
            params.update(limb_shift=limb, s_hi=intops.choose_limb(self.bound(acc), int(qr.m.max()) * fh, kh))
            params["s"] = intops.choose_limb(self.bound(acc), int(qr.m.max()), kl)
        else:
            params["s"] = intops.choose_limb(self.bound(acc), int(qr.m.max()), qr.k)
        if params["s"] is None or params.get("s_hi", 0) is None:
            raise BoundError(f"op {name}: no limb split keeps the requantization within the field")
        r_arrays = {"m": m_name}
        if bias is not None:  # in output units, added after the requantization
            r_arrays["bias"] = self.array(name + ".bias", np.rint(np.asarray(bias, np.float64) / out_scale).astype(np.int64))
        node = Requant(name + (".coarse" if j else ""), [acc], params, r_arrays)
        y = self.add(self.clamp(node, None if level is None else level - j), out_scale)
        return self.scale_up(name, y, j, final_scale)

    def scale_up(self, name: str, x: str, j: int, scale) -> str:
        """x * 2^j (exact), undoing a coarsening; the identity (no node) for j = 0."""
        if j == 0:
            return x
        return self.add(Requant(name, [x], {"k": 0, "s": 0, "m": 1 << j}), scale)

    def requant(self, name: str, x: str, ratio, out_scale, level: int | None) -> str:
        """y = clamp(round(x * ratio)) with ratio (scalar or per channel) as exact M / 2^k; the
        returned node's scale is x's scale / (M / 2^k), exactly."""
        ratio = np.asarray(ratio, dtype=np.float64)
        m, k, exact = multipliers(np.atleast_1d(ratio))
        s = intops.choose_limb(self.bound(x), int(np.abs(m).max()), k)
        if s is None:
            raise BoundError(f"op {name}: no limb split keeps the requantization within the field")
        if ratio.ndim == 0:
            node = Requant(name, [x], {"k": k, "s": s, "m": int(m[0])})
            scale = float(np.asarray(self.scale[x]).max()) / float(exact[0])
        else:
            node = Requant(name, [x], {"k": k, "s": s}, {"m": self.array(name + ".m", m)})
            with np.errstate(divide="ignore"):
                scale = np.where(exact != 0, np.asarray(self.scale[x], np.float64) / np.where(exact != 0, exact, 1.0),
                                 out_scale)
        return self.add(self.clamp(node, level), scale)

    # --- norms -------------------------------------------------------------------------------------

    def norm(self, name: str, x: str, w: np.ndarray, b: np.ndarray | None, out_scale, level: int | None,
             layer: bool = False, eps: float | None = None) -> str:
        """RMSNorm / LayerNorm of the last axis to per-channel (or one) output scale(s)."""
        qc = self.qc
        d = self.g[x].shape[-1]
        xs = float(np.asarray(self.scale[x]).max())
        eps = self.cfg.norm_eps if eps is None else eps
        nc = norm_constants(d, EPS_CAP, qc.norm_e2, qc.norm_rsqrt_frac, qc.norm_z_bits)
        A, E2, e_min = nc["A"], nc["E2"], nc["e_min"]
        eps_units = d * eps / xs ** 2  # d eps in units of the squared input
        e_min = max(e_min, eps_floor_exponent(eps_units, EPS_CAP))
        xb = self.bound(x) * (2 if layer else 1)
        e_max = max(_bitlen(xb) - A, e_min)
        K = max(0, e_max - E2)
        n_e = max(1, _bitlen(e_max - e_min))
        # per-site eps and pow2 tables while building (bounds need them); merged into one table each
        # at the end (`_share_row_tables`)
        tables = {
            "eps": self.table(TableSpec("eps", "eps", e_min, n_e,
                                        {"segments": [[e_min, e_max - e_min + 1, eps_units, e_min]], "cap": EPS_CAP})),
            "pow2": self.table(TableSpec("pow2_norm", "pow2", e_min, n_e, {"top": K + E2})),
            "rsqrt": self.table(TableSpec("rsqrt", "rsqrt", 0, 16, {"frac": nc["G"]})),
            "pf": self.table(TableSpec("pow2_pf", "pow2", 0, 3, {"top": 7})),
        }
        w = np.asarray(w, dtype=np.float64)
        out = np.broadcast_to(np.asarray(out_scale, dtype=np.float64), w.shape)
        j = 0
        if level is not None:
            j = coarsening(float(np.max(np.abs(nc["z_scale"] * w / out))) * (1 << nc["Zb"]), level)
        final_scale, out = out_scale, out * (1 << j)
        m, ko, exact = multipliers(nc["z_scale"] * w / out)
        scale = np.where(exact != 0, nc["z_scale"] * w / np.where(exact != 0, exact, 1.0), out)
        arrays = {"m": self.array(name + ".m", m)}
        if b is not None:
            arrays["beta"] = self.array(name + ".beta", np.rint(np.asarray(b, np.float64) / scale).astype(np.int64))
        params = {"layer": layer, "A": A, "E2": E2, "e_min": e_min, "e_max": e_max, "K": K, "kz": nc["kz"]}
        if layer:
            params["sl"] = mean_limb(d, self.bound(x))
        rv, rlo = self.store.table(tables["rsqrt"])
        ev, elo = self.store.table(tables["eps"])
        ss_max = d * (1 << (2 * A)) + int(ev.max())
        r_max, z_max, _ = norm_z_bounds(A, E2, ss_max, norm_ss_min(A, e_min, ev, elo), rv, rlo, nc["kz"], d)
        params["sz"] = intops.choose_limb(1 << (A + E2), r_max, nc["kz"])
        params["so"] = intops.choose_limb(z_max, int(np.abs(m).max()), ko)
        params["ko"] = ko
        if params["sz"] is None or params["so"] is None:
            raise BoundError(f"op {name}: no limb split keeps the normalization within the field")
        node = Norm(name + (".coarse" if j else ""), [x], params, arrays, tables)
        scalar = np.asarray(out_scale).ndim == 0
        # one output scale: each channel's M rounds the norm weight (error <= 1/2 of the largest M's
        # unit); per-channel scales: each channel's exact scale is recorded for the consumer to fold
        y = self.add(self.clamp(node, None if level is None else level - j), float(out[0]) if scalar else scale)
        return self.scale_up(name, y, j, final_scale if scalar else scale / (1 << j))

    # --- attention ---------------------------------------------------------------------------------

    def rope_tables(self, base: float, freq_scale: float, factors: np.ndarray | None) -> tuple[str, str]:
        n_rot = self.cfg.rope_dim
        key = f"rope.{base:g}.{freq_scale:g}" + (".ff" if factors is not None else "")
        if key + ".cos" not in self.arrays:
            half = n_rot // 2
            inv = base ** (-2.0 * np.arange(half, dtype=np.float64) / n_rot)
            if factors is not None:
                inv = inv / np.asarray(factors, dtype=np.float64)
            theta = np.arange(self.max_len, dtype=np.float64)[:, None] * freq_scale * inv[None, :]
            one = float(1 << self.qc.rope_frac)
            self.array(key + ".cos", np.rint(np.cos(theta) * one).astype(np.int32))
            self.array(key + ".sin", np.rint(np.sin(theta) * one).astype(np.int32))
        return key + ".cos", key + ".sin"

    def qk_bits(self) -> int:
        """q, k bits such that head_dim * (2^(b-1) * 1.5)^2 stays within the budget (RoPE adds sqrt(2))."""
        hd = self.cfg.head_dim
        b = self.qc.qk_bits
        while b > 4 and hd * (1.5 * (1 << (b - 1))) ** 2 > (1 << self.qc.acc_log2):
            b -= 1
        return b

    def attention(self, i: int, q: str, k: str, v: str, s_q: float, s_k: float, attn_scale: float,
                  window: int | None, rope: tuple | None) -> str:
        """Q.K^T, causal softmax, attention.V from projected q (T, H*hd) or (T, H, hd), k, v (T, KV*hd)
        or (T, KV, hd); returns the attention output (T, H*hd) with v's per-channel scales (finer)."""
        cfg, qc, p = self.cfg, self.qc, f"blk.{i}."
        H, KV, hd = cfg.n_head, cfg.n_kv_head, cfg.head_dim
        G = H // KV
        q4 = self.add(Reshape(p + "q4", [q], {"shape": [KV, G, hd]}), self.scale[q])
        k3 = self.add(Reshape(p + "k3", [k], {"shape": [KV, hd]}), self.scale[k])
        v3 = self.add(Reshape(p + "v3", [v], {"shape": [KV, hd]}), self.scale[v])
        if rope is not None:
            cos, sin = self.rope_tables(*rope)
            rp = {"n_rot": cfg.rope_dim, "neox": bool(cfg.rope_neox), "frac": qc.rope_frac}
            q4 = self.add(Rope(p + "q_rope", [q4], dict(rp), {"cos": cos, "sin": sin}), self.scale[q4])
            k3 = self.add(Rope(p + "k_rope", [k3], dict(rp), {"cos": cos, "sin": sin}), self.scale[k3])
        kc = self.add(KVCache(p + "k_cache", [k3]), self.scale[k3])
        vc = self.add(KVCache(p + "v_cache", [v3]), self.scale[v3])
        sc = self.add(Einsum(p + "scores", [q4, kc], {"spec": "tkgd,skd->tkgs"}), s_q * s_k)
        real = s_q * s_k * attn_scale  # real (scaled) score per unit
        step_e = 2.0 ** qc.exp_step_log2
        cap = getattr(cfg, "attn_logit_softcap", None)
        if cap is not None:
            sc = self.requant(p + "scores_cap_in", sc, real / self.tanh_step(cap), self.tanh_step(cap), 15)
            sc = self.add(Lookup(p + "scores_cap", [sc], {}, {}, {"table": self.tanh_table(cap, step_e)}), step_e)
            m, k_, s = 1, 0, 0
        else:
            mm, k_, _ = multipliers(np.array([real / step_e]))
            m = int(mm[0])
            s = intops.choose_limb(self.bound(sc), m, k_)
        u_bound = intops.mul_shift_bound(self.bound(sc), m, k_, s)[1]
        dmax = 2 * u_bound
        # soft clamp of d into the exp table with 16 steps (d clamped lands in the last sixteenth of the
        # domain, where exp is 0 at exp_frac bits): hi = d >> j in a table of 2^16 entries, or as wide
        # as the worst case needs (at most 2^20)
        c = 4
        j = qc.exp_log_size - c
        if _bitlen(dmax >> j) > 20:
            raise BoundError(f"op {p}softmax: scores too wide for the exp table (worst case {u_bound})")
        tables = {
            "exp": self.table(TableSpec("exp", "exp", 0, qc.exp_log_size,
                                        {"step": step_e, "frac": qc.exp_frac,
                                         "one": softmax_exp_one(qc.exp_frac, qc.prob_frac, self.max_len)})),
            "clamp": self.table(TableSpec(f"dclamp{c}", "clamp", 0, max(16, _bitlen(dmax >> j)),
                                          {"cmin": 0, "cmax": (1 << c) - 1})),
            "pow2": self.table(softmax_pow2_spec(qc.prob_frac)),
        }
        max_keys = min(window, self.max_len) if window else self.max_len
        sm = Softmax(p + "softmax", [sc], {"m": m, "k": k_, "s": s, "window": window, "clamp_j": j,
                                          "frac_p": qc.prob_frac, "max_keys": max_keys,
                                          "sum_bits": SOFTMAX_SUM_BITS}, {}, tables)
        probs = self.add(sm, 2.0 ** -qc.prob_frac)
        sv = np.asarray(self.scale[v], dtype=np.float64)
        o_scale = np.broadcast_to(sv.reshape(KV, 1, hd) if sv.ndim else sv, (KV, G, hd)).reshape(-1)
        o = self.add(Einsum(p + "attn_pv", [probs, vc], {"spec": "tkgs,skd->tkgd", "a_sum": sm.row_sum_bound()}),
                     o_scale * 2.0 ** -qc.prob_frac)
        # keep attn_out_bits of the accumulator (the o projection reads it in limbs)
        extra = max(0, min(qc.prob_frac, qc.attn_out_bits - 1 - _bitlen(self.bound(vc))))
        o = self.add(Requant(p + "attn_o", [o], {"k": qc.prob_frac - extra, "s": 0, "m": 1}), o_scale * 2.0 ** -extra)
        return self.add(Reshape(p + "attn_flat", [o], {"shape": [H * hd]}), self.scale[o])

    def tanh_step(self, cap: float) -> float:
        return 2.0 ** math.ceil(math.log2(4.0 * cap / (1 << 15)))

    def tanh_table(self, cap: float, step_out: float) -> str:
        return self.table(TableSpec("tanh", "tanh", -(1 << 15), 16,
                                    {"cap": float(cap), "step_in": self.tanh_step(cap), "step_out": step_out}))

    # --- MLP ---------------------------------------------------------------------------------------

    def act_table(self, kind: str, step: float) -> str:
        half = 1 << (self.qc.act_log_size - 1)
        return self.table(TableSpec(kind, kind, -half, self.qc.act_log_size, {"step_in": step, "step_out": step}))

    def act_step(self, site: str) -> float:
        """One input step for the activation table across all layers: the largest calibrated input
        (times the margin) fits the table's domain."""
        top = self.st.max_over(f"blk.{i}.{site}" for i in range(self.cfg.n_layer))
        half = 1 << (self.qc.act_log_size - 1)
        return 2.0 ** math.ceil(math.log2(max(top, 1e-6) * self.qc.margin / half))

    def smoothing(self, p: str, w_down: np.ndarray, in_scale) -> np.ndarray:
        """Per-channel scales of the down projection's input (SmoothQuant, strength alpha)."""
        qc = self.qc
        a = np.asarray(self.st.channels(p + "act"), dtype=np.float64)
        a = np.maximum(a, qc.channel_floor * a.max() + 1e-12)
        wmax = np.maximum(np.abs(w_down).max(axis=0), 1e-12)
        sigma = a ** qc.smooth_alpha / wmax ** (1.0 - qc.smooth_alpha)
        top = float((a / sigma).max())
        return sigma * top * qc.margin / float(1 << (qc.down_bits - 1))


# --- architectures --------------------------------------------------------------------------------

def _resid_scale(b: Builder, R: int) -> float:
    sites = ["embed", "resid_out"] + [f"blk.{i}.{s}" for i in range(b.cfg.n_layer) for s in ("resid_attn", "resid_ffn")]
    return scale_for(b.st.max_over(sites), R + 1, b.qc.margin)


def _embed(b: Builder, s_res: float, R: int) -> str:
    cfg = b.cfg
    scale = cfg.embed_scale if cfg.arch == "gemma3" else 1.0
    lim = 1 << R

    def q(a):
        return np.clip(np.rint(a * scale / s_res), -lim, lim - 1).astype(np.int32)

    x = b.add(Embedding("embed", [], {"source": "tokens"}, {"table": b.array("embed.table", q(b.W("token_embd.weight")))}),
              s_res)
    if cfg.arch == "gpt2":
        scale = 1.0
        table = q(b.W("position_embd.weight")[: b.max_len])
        pe = b.add(Embedding("pos_embed", [], {"source": "positions"}, {"table": b.array("pos_embed.table", table)}), s_res)
        x = b.add(b.clamp(Add("embed_sum", [x, pe]), R), s_res)
    return x


def _residual(b: Builder, name: str, x: str, branch: str, R: int) -> str:
    return b.add(b.clamp(Add(name, [x, branch]), R), b.scale[x])


def _pre_norm(b: Builder, name: str, x: str, site: str, wname: str, bname: str | None = None) -> str:
    qc = b.qc
    out = channel_scales(b.st.channels(site), qc.act_bits, qc.margin, qc.channel_floor)
    bias = b.W(bname) if bname else None
    return b.norm(name, x, b.W(wname), bias, out, qc.act_bits - 1, layer=bname is not None)


def _gpt2_layer(b: Builder, i: int, x: str, s_res: float, R: int, act_step: float) -> str:
    cfg, qc, p = b.cfg, b.qc, f"blk.{i}."
    d = cfg.d_model
    h = _pre_norm(b, p + "attn_norm", x, p + "attn_norm", p + "attn_norm.weight", p + "attn_norm.bias")
    wqkv, bqkv = b.W(p + "attn_qkv.weight"), b.W(p + "attn_qkv.bias")
    qb = b.qk_bits()
    s_q = scale_for(b.st.max(p + "q"), qb, qc.margin)
    s_k = scale_for(b.st.max(p + "k"), qb, qc.margin)
    s_v = channel_scales(b.st.channels(p + "v"), qc.v_bits, qc.margin, qc.channel_floor)
    q = b.linear(p + "attn_q", h, wqkv[:d], s_q, qb - 1, bqkv[:d])
    k = b.linear(p + "attn_k", h, wqkv[d:2 * d], s_k, qb - 1, bqkv[d:2 * d])
    v = b.linear(p + "attn_v", h, wqkv[2 * d:], s_v, qc.v_bits - 1, bqkv[2 * d:])
    a = b.attention(i, q, k, v, s_q, s_k, 1.0 / math.sqrt(cfg.head_dim), None, None)
    o = b.linear(p + "attn_output", a, b.W(p + "attn_output.weight"), s_res, R, b.W(p + "attn_output.bias"))
    x = _residual(b, p + "resid_attn", x, o, R)
    h = _pre_norm(b, p + "ffn_norm", x, p + "ffn_norm", p + "ffn_norm.weight", p + "ffn_norm.bias")
    up = b.linear(p + "ffn_up", h, b.W(p + "ffn_up.weight"), act_step, qc.act_log_size - 1, b.W(p + "ffn_up.bias"))
    a = b.add(Lookup(p + "gelu", [up], {}, {}, {"table": b.act_table("gelu", act_step)}), act_step)
    w_down = b.W(p + "ffn_down.weight")
    t = b.smoothing(p, w_down, act_step)
    aq = b.requant(p + "act_q", a, act_step / t, t, qc.down_bits - 1)
    dn = b.linear(p + "ffn_down", aq, w_down, s_res, R, b.W(p + "ffn_down.bias"))
    return _residual(b, p + "resid_ffn", x, dn, R)


def _gated_mlp(b: Builder, i: int, h: str, act: str, act_step: float, out_scale, level: int) -> str:
    qc, p = b.qc, f"blk.{i}."
    g = b.linear(p + "ffn_gate", h, b.W(p + "ffn_gate.weight"), act_step, qc.act_log_size - 1)
    a = b.add(Lookup(p + act, [g], {}, {}, {"table": b.act_table(act, act_step)}), act_step)
    s_u = channel_scales(b.st.channels(p + "up"), qc.up_bits, qc.margin, qc.channel_floor)
    u = b.linear(p + "ffn_up", h, b.W(p + "ffn_up.weight"), s_u, qc.up_bits - 1)
    gu = b.add(Mul(p + "gate_up", [a, u]), act_step * s_u)
    w_down = b.W(p + "ffn_down.weight")
    t = b.smoothing(p, w_down, act_step * s_u)
    gq = b.requant(p + "act_q", gu, act_step * s_u / t, t, qc.down_bits - 1)
    return b.linear(p + "ffn_down", gq, w_down, out_scale, level)


def _llama_layer(b: Builder, i: int, x: str, s_res: float, R: int, act_step: float) -> str:
    cfg, qc, p = b.cfg, b.qc, f"blk.{i}."
    h = _pre_norm(b, p + "attn_norm", x, p + "attn_norm", p + "attn_norm.weight")
    qb = b.qk_bits()
    s_q = scale_for(b.st.max(p + "q"), qb, qc.margin)
    s_k = scale_for(b.st.max(p + "k"), qb, qc.margin)
    s_v = channel_scales(b.st.channels(p + "v"), qc.v_bits, qc.margin, qc.channel_floor)
    q = b.linear(p + "attn_q", h, b.W(p + "attn_q.weight"), s_q, qb - 1)
    k = b.linear(p + "attn_k", h, b.W(p + "attn_k.weight"), s_k, qb - 1)
    v = b.linear(p + "attn_v", h, b.W(p + "attn_v.weight"), s_v, qc.v_bits - 1)
    factors = b.W("rope_freqs.weight") if cfg.has_rope_freqs else None
    a = b.attention(i, q, k, v, s_q, s_k, 1.0 / math.sqrt(cfg.head_dim), None,
                    (cfg.rope_base, cfg.rope_freq_scale, factors))
    o = b.linear(p + "attn_output", a, b.W(p + "attn_output.weight"), s_res, R)
    x = _residual(b, p + "resid_attn", x, o, R)
    h = _pre_norm(b, p + "ffn_norm", x, p + "ffn_norm", p + "ffn_norm.weight")
    return _residual(b, p + "resid_ffn", x, _gated_mlp(b, i, h, "silu", act_step, s_res, R), R)


def _gemma3_layer(b: Builder, i: int, x: str, s_res: float, R: int, act_step: float) -> str:
    cfg, qc, p = b.cfg, b.qc, f"blk.{i}."
    H, KV, hd = cfg.n_head, cfg.n_kv_head, cfg.head_dim
    h = _pre_norm(b, p + "attn_norm", x, p + "attn_norm", p + "attn_norm.weight")
    raw = {}
    for name, n_heads in (("q", H), ("k", KV)):
        s_raw = scale_for(b.st.max(p + name + "_proj"), qc.postnorm_bits + 1, qc.margin)
        t = b.linear(p + f"attn_{name}", h, b.W(p + f"attn_{name}.weight"), s_raw, qc.postnorm_bits + 2)
        raw[name] = b.add(Reshape(p + f"{name}_heads", [t], {"shape": [n_heads, hd]}), s_raw)
    # q and k are RMS-normalized: each head row has a norm of at most sqrt(hd) max|w|, so their scales
    # come from that bound (no clamp) and Q.K^T is bounded by Cauchy-Schwarz
    q, k = ((b.norm(p + f"{n}_norm", raw[n], w, None, math.sqrt(hd) * float(np.abs(w).max()) / (1 << qc.qk_l2_bits), None))
            for n, w in (("q", b.W(p + "attn_q_norm.weight")), ("k", b.W(p + "attn_k_norm.weight"))))
    s_v = channel_scales(b.st.channels(p + "v"), qc.v_bits, qc.margin, qc.channel_floor)
    v = b.linear(p + "attn_v", h, b.W(p + "attn_v.weight"), s_v, qc.v_bits - 1)
    base, fscale = cfg.layer_rope(i)
    window = cfg.sliding_window if cfg.is_local(i) else None
    a = b.attention(i, q, k, v, b.scale[q], b.scale[k], cfg.attn_scale, window, (base, fscale, None))
    s_o = scale_for(b.st.max(p + "o"), qc.postnorm_bits + 1, qc.margin)
    o = b.linear(p + "attn_output", a, b.W(p + "attn_output.weight"), s_o, qc.postnorm_bits + 2)
    o = b.norm(p + "post_attention_norm", o, b.W(p + "post_attention_norm.weight"), None, s_res, R)
    x = _residual(b, p + "resid_attn", x, o, R)
    h = _pre_norm(b, p + "ffn_norm", x, p + "ffn_norm", p + "ffn_norm.weight")
    s_d = scale_for(b.st.max(p + "down"), qc.postnorm_bits + 1, qc.margin)
    dn = _gated_mlp(b, i, h, "gelu", act_step, s_d, qc.postnorm_bits + 2)
    dn = b.norm(p + "post_ffw_norm", dn, b.W(p + "post_ffw_norm.weight"), None, s_res, R)
    return _residual(b, p + "resid_ffn", x, dn, R)


_LAYERS = {"gpt2": _gpt2_layer, "llama": _llama_layer, "gemma3": _gemma3_layer}
_ACT_SITE = {"gpt2": "up", "llama": "gate", "gemma3": "gate"}


def build_graph(cfg: ModelConfig, weights: Mapping[str, np.ndarray], stats: Stats, qc: QuantConfig,
                on_layer=None) -> tuple[Graph, dict[str, np.ndarray], TableSet]:
    """The integer program of the model: (graph, public arrays, tables). BoundError on overflow."""
    b = Builder(cfg, weights, stats, qc)
    R = qc.resid_bits
    s_res = _resid_scale(b, R)
    act_step = b.act_step(_ACT_SITE[cfg.arch])
    x = _embed(b, s_res, R)
    for i in range(cfg.n_layer):
        x = _LAYERS[cfg.arch](b, i, x, s_res, R, act_step)
        if on_layer:
            on_layer(i + 1, cfg.n_layer)
    bias = b.W("output_norm.bias") if cfg.arch == "gpt2" else None
    qc_ = b.qc
    out = channel_scales(stats.channels("output_norm"), qc_.act_bits, qc_.margin, qc_.channel_floor)
    h = b.norm("output_norm", x, b.W("output_norm.weight"), bias, out, qc_.act_bits - 1, layer=bias is not None)
    logits = b.linear("logits", h, b.W(cfg.output_weight), None, None, acc_log2=qc_.acc_log2 - 1, per_tensor=True)
    logit_scale = float(np.asarray(b.scale[logits]).max())
    cap = getattr(cfg, "final_logit_softcap", None)
    if cap is not None:
        step_out = 2.0 ** math.ceil(math.log2(cap / (1 << 14)))
        t_in = b.requant("logits_cap_in", logits, logit_scale / b.tanh_step(cap), b.tanh_step(cap), 15)
        logits = b.add(Lookup("logits_cap", [t_in], {}, {}, {"table": b.tanh_table(cap, step_out)}), step_out)
        logit_scale = step_out
    am = b.add(Argmax("argmax", [logits]), 1.0)
    b.g.meta.update({"logits": logits, "argmax": am, "logit_scale": logit_scale, "resid_bits": R,
                     "resid_scale": s_res, "act_step": act_step})
    _share_row_tables(b)
    for n in b.g.nodes:  # the norms' pow2 tables were just merged: keep the softmax's own
        if n.kind == "softmax":
            n.tables["pow2"] = b.table(softmax_pow2_spec(n.params["frac_p"]))
    _count_lookups(b.g, b.tables)
    return b.g, b.arrays, b.tables


POW2_TOP = 40


def _share_row_tables(b: Builder) -> None:
    """One eps table and one pow2 table for every norm: each site's entries become a segment of the
    shared table (eps) or a key offset into it (pow2: 2^(POW2_TOP - i) at i = e + POW2_TOP - K - E2),
    read at e + params["eps_off"] / params["q_off"]. Contents at the keys are unchanged, so the
    bounds already checked still hold; a re-check below makes sure."""
    norms = [n for n in b.g.nodes if n.kind == "norm"]
    if not norms:
        return
    segments, start, old = [], 0, set()
    keys = []
    for n in norms:
        p = n.params
        spec = b.tables.specs[n.tables["eps"]]
        (_, count, value, e0), = spec.params["segments"]
        segments.append([start, count, value, e0])
        p["eps_off"] = start - p["e_min"]
        start += count
        p["q_off"] = POW2_TOP - p["K"] - p["E2"]
        keys += [p["e_min"] + p["q_off"], p["e_max"] + p["q_off"]]
        old.update((n.tables["eps"], n.tables["pow2"]))
    for name in old:
        b.tables.remove(name)
    eps = b.table(TableSpec("eps", "eps", 0, max(1, (start - 1).bit_length()), {"segments": segments, "cap": EPS_CAP}))
    lo = min(keys)
    pow2 = b.table(TableSpec("pow2", "pow2", lo, max(1, (max(keys) - lo).bit_length()), {"top": POW2_TOP}))
    for n in norms:
        n.tables["eps"], n.tables["pow2"] = eps, pow2
    for n in norms:
        n.bounds([b.g[i] for i in n.inputs], b.store)


def _count_lookups(g: Graph, tables: TableSet) -> None:
    """Lookups per token into each table (the prover's cost model), from the graph's shapes; key-axis
    sizes count the maximum number of keys (an upper bound)."""
    for n in g.nodes:
        per_row = int(np.prod([s if s is not None else g.max_len for s in n.shape])) if n.shape else 1
        for role, name in n.tables.items():
            if n.kind == "norm" and role in ("eps", "pow2", "rsqrt", "pf"):
                count = per_row // max(n.shape[-1], 1)  # one per normalized row
            elif n.kind == "softmax" and role == "pow2":
                count = 2 * per_row // g.max_len  # 2^(Fp - f) and 2^f per row
            else:
                count = per_row
            tables.count(name, count)
