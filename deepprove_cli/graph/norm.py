"""Norm: RMSNorm and LayerNorm over the last axis, in block floating point per row.

Real models' rows differ in scale by 2^12 and more (massive activations), so no fixed shift keeps the
sum of squares inside the field and the small rows precise. Each row gets its own exponent:

  (LayerNorm) mu = floor(sum_i x_i / d), x <- x - mu (the mean has the input's resolution: fine for
        a residual stream of 2^27, coarse for rows only a few units wide), proven in two limbs:
        x = xh 2^sl + xl (Split), Sh = sum xh, Sl = sum xl (Einsums), (qh, rh) = DivRem(Sh, d),
        (ql, rl) = DivRem(rh 2^sl + Sl, d), mu = qh 2^sl + ql          [advice: xl, qh, rh, ql, rl]
  e   = row_exponent(x): min e >= e_min with floor(x / 2^e) in [-2^A, 2^A)   [advice: e, pin index]
  x2  = floor(x * 2^(E2 - e))   the row's mantissa, A + E2 bits (the prover: x * Q = x2 2^K + lo
                                with Q = pow2[e] = 2^(K+E2-e) looked up)     [advice: x2, lo, Q]
  x1  = Split(x2, E2).hi        A bits, squared without wrapping            [advice: x1, rem]
  ss  = sum_i x1_i^2 + eps[e]   (Einsum; eps[e] = d eps / (scale^2 4^e), a lookup per row)
  f   = min even f with ss < 2^(16 + f); h = floor(ss / 2^f), in [2^14, 2^16) for non-zero rows
                                (ss = h P + r, P = pf[f / 2] looked up, r and P - 1 - r in range)
  r   = rsqrt[h] ~ 2^G / sqrt(h)                                            [advice: f, h, r]
  z   = mul_shift(x2, r, kz + f / 2, sz)   z = y_norm 2^Zb / sqrt(d), a per-row shift (limbs of x2)
  y   = clamp(mul_shift(z, m, ko, so) + beta)   (m: norm weight / output scale per channel,
                                                 beta: LayerNorm bias in output units)

Pins: e by the range check of x1 and one entry outside [-2^(A-1), 2^(A-1)) when e > e_min (the
index is advice); f by h < 2^16 and h >= 2^14 when f > 0. e_min is -(A+1) (only an all-zero row stays
there) unless eps is large in the input's units: then e_min is the least exponent at which
eps[e] = d eps / (scale^2 4^e) fits 2^27 (rows that small are dominated by eps), and rows at e_min
still have ss >= eps[e_min]. So every row that is not all zeros has ss >= 2^14 (checked). Per-row
work is O(rows); per-element work is a few Splits and lookups.
"""

from __future__ import annotations

import math

import numpy as np

from deepprove_cli.graph.elementwise import apply_clamp, clamped_bound
from deepprove_cli.graph.node import EvalContext, Node, Store, register
from deepprove_cli.model import intops


def norm_a_bits(d: int, eps_cap: int) -> int:
    """The largest A with d 4^A + eps_cap within the field bound (the sum of squares never wraps)."""
    a = 1
    while d * (4 ** (a + 1)) + eps_cap <= intops.P_HALF:
        a += 1
    return a


def mean_limb(d: int, x_bound: int) -> int:
    """The smallest limb cut sl for which LayerNorm's row sums stay within the field."""
    sl = 0
    while d * ((x_bound >> sl) + 1) > intops.P_HALF or (d - 1) * (1 << sl) + d * ((1 << sl) - 1) > intops.P_HALF:
        sl += 1
        if sl > 30:
            raise intops.IntegrityError("no limb cut keeps the row sum within the field")
    return sl


def _feasible(A: int, ss_max: int, ss_min: int):
    """(f, h array) for every reachable (f, h) of a row with ss in [ss_min, ss_max]."""
    for f in range(0, 16, 2):
        lo_h = max(ss_min >> f, 1 << 14 if f else 0)
        hi_h = min((ss_max >> f) + 1, 1 << 16)
        if lo_h < hi_h:
            yield f, np.arange(lo_h, hi_h, dtype=np.int64)


def norm_ss_min(A: int, e_min: int, eps_v: np.ndarray, eps_lo: int) -> int:
    """The least ss of a row that is not all zeros (an all-zero row has z = 0 whatever its ss): a row
    above e_min has an entry |x1| >= 2^(A-1); a row at e_min still adds eps[e_min]."""
    return min(1 << (2 * A - 2), int(eps_v[e_min - eps_lo])) if e_min > -(A + 1) else 1 << (2 * A - 2)


def norm_z_bounds(A: int, E2: int, ss_max: int, ss_min: int, r_v: np.ndarray, r_lo: int, kz: int,
                  d: int) -> tuple[int, int, float]:
    """(max rsqrt value, max |z|, bound on ||z||_2 per row) over every reachable (f, h):
    |x2| <= 2^E2 (sqrt(ss) + 1) since x1^2 <= ss, and ||x2||_2 <= 2^E2 (sqrt(ss) + sqrt(d)); one unit
    of rounding per element."""
    r_max, z_max, l2 = 0, 0, 0.0
    for f, h in _feasible(A, ss_max, max(ss_min, 1)):
        r = r_v[h - r_lo].astype(np.float64)
        root = np.sqrt(((h + 1) << f).astype(np.float64))
        x2 = np.minimum(float(1 << (A + E2)), (1 << E2) * (np.floor(root) + 2))
        scale = r / float(1 << (kz + f // 2))
        z_max = max(z_max, int(np.max(x2 * scale)) + 2)
        l2 = max(l2, float(np.max((1 << E2) * (root + math.sqrt(d)) * scale)))
        r_max = max(r_max, int(r.max()))
    return r_max, z_max, l2 + math.sqrt(d)


@register
class Norm(Node):
    """RMSNorm / LayerNorm (params["layer"]) of the last axis; see the module docstring."""

    kind = "norm"

    def eval(self, ins, store: Store, ctx: EvalContext) -> dict:
        p = self.params
        x = intops.as_int(ins[0])
        if not ctx.keep_advice and x.size:  # the fused row kernel (equal integers, tested)
            from deepprove_cli.model.intkernels import norm_args, norm_rows

            return {"out": norm_rows(x, store.prepared(self.name, lambda: norm_args(
                p, store.table(self.tables["eps"]), store.table(self.tables["rsqrt"]), store[self.arrays["m"]],
                store[self.arrays["beta"]] if "beta" in self.arrays else None,
                (*store.table(self.tables["clamp"]), p["clamp_j"]) if "clamp" in self.tables else None)))}
        adv = {} if ctx.keep_advice else None
        d = x.shape[-1]
        if p["layer"]:
            mu = intops.row_mean_floor(x)
            if adv is not None:
                sl = p["sl"]
                xh, xl = intops.split(x, sl)
                qh, rh = intops.divrem(xh.sum(axis=-1), np.int64(d))
                ql, rl = intops.divrem((rh << sl) + xl.sum(axis=-1), np.int64(d))
                adv.update(mean_xl=xl, mean_qh=qh, mean_rh=rh, mean_ql=ql, mean_rl=rl)
            x = x - mu[..., None]
        A, E2 = p["A"], p["E2"]
        e = intops.row_exponent(x, A, p["e_min"])
        x2 = intops.var_floor_shift(x, e - E2)
        x1 = intops.floor_shift(x2, E2)
        eps_v, eps_lo = store.table(self.tables["eps"])
        ss = (x1 * x1).sum(axis=-1) + intops.lookup(e + p.get("eps_off", 0), eps_v, eps_lo)
        f = intops.even_exponent16(ss)
        h = ss >> f
        r_v, r_lo = store.table(self.tables["rsqrt"])
        r = intops.lookup(h, r_v, r_lo)
        z = intops.mul_shift(x2, r[..., None], (p["kz"] + (f >> 1))[..., None], p["sz"])
        y = intops.mul_shift(z, store[self.arrays["m"]], p["ko"], p["so"])
        if "beta" in self.arrays:
            y = y + store[self.arrays["beta"]]
        if adv is not None:
            q_v, q_lo = store.table(self.tables["pow2"])
            q = intops.lookup(e + p.get("q_off", 0), q_v, q_lo)
            pf_v, pf_lo = store.table(self.tables["pf"])
            adv.update(e=e, q=q, x2=x2, x2_lo=x * q[..., None] - (x2 << p["K"]), x1=x1, ss=ss, f=f, h=h,
                       pf=intops.lookup(f >> 1, pf_v, pf_lo), ss_rem=ss - (h << f), r=r, z=z)
        y = apply_clamp(self, y, store, adv)
        out = {"out": y}
        if adv:
            out.update(adv)
        return out

    def bounds(self, ins: list, store: Store) -> tuple[int, dict]:
        p = self.params
        d = ins[0].shape[-1]
        xb = ins[0].bound
        inter = {}
        if p["layer"]:
            sl = p["sl"]
            inter["mean_sum_hi"] = d * ((xb >> sl) + 1)
            inter["mean_sum_lo"] = (d - 1) * (1 << sl) + d * ((1 << sl) - 1)
            xb = 2 * xb
        A, E2, K = p["A"], p["E2"], p["K"]
        e_max = max(int(xb).bit_length() - A, p["e_min"])
        if e_max > K + E2:
            raise intops.IntegrityError(f"norm {self.name}: exponent {e_max} exceeds K + E2 = {K + E2}")
        inter["x_times_q"] = 1 << (A + K + E2)
        inter["q"] = 1 << (K + E2 - p["e_min"])
        rows = {}
        for role, off in (("eps", p.get("eps_off", 0)), ("pow2", p.get("q_off", 0))):
            v, lo = store.table(self.tables[role])
            if p["e_min"] + off < lo or e_max + off >= lo + v.shape[0]:
                raise intops.IntegrityError(f"norm {self.name}: the {role} table does not cover exponents "
                                            f"[{p['e_min']}, {e_max}]")
            rows[role] = v[p["e_min"] + off - lo: e_max + off - lo + 1]
        if int(rows["pow2"][0]) != 1 << (K + E2 - p["e_min"]):
            raise intops.IntegrityError(f"norm {self.name}: the pow2 table does not give 2^(K+E2-e)")
        eps_v = rows["eps"]
        ss_max = d * (1 << (2 * A)) + int(eps_v.max())
        inter["ss"] = ss_max
        if ss_max >= 1 << 30:
            raise intops.IntegrityError(f"norm {self.name}: sum of squares {ss_max} needs more than 30 bits")
        r_v, r_lo = store.table(self.tables["rsqrt"])
        ss_min = norm_ss_min(A, p["e_min"], eps_v, p["e_min"])
        if ss_min < 1 << 14:
            raise intops.IntegrityError(f"norm {self.name}: rows may have ss = {ss_min} < 2^14 (eps too small for e_min)")
        r_max, z_max, l2z = norm_z_bounds(A, E2, ss_max, ss_min, r_v, r_lo, p["kz"], d)
        inter["rsqrt"] = r_max
        inter["z_mul"] = intops.mul_shift_bound(1 << (A + E2), r_max, p["kz"], p["sz"])[0]
        inter["z"] = z_max
        m = int(np.abs(store[self.arrays["m"]]).max())
        yi, yb = intops.mul_shift_bound(z_max, m, p["ko"], p["so"])
        inter["y_mul"] = yi
        beta = np.abs(store[self.arrays["beta"]]).astype(np.float64) if "beta" in self.arrays else np.zeros(1)
        yb += int(beta.max())
        inter["pre_clamp"] = yb
        # the soft clamp never increases |y|, so the row norm bound holds after it
        self.l2 = int(min(l2z * m / 2.0 ** p["ko"] + 2 * math.sqrt(d) + float(np.sqrt((beta ** 2).sum())),
                          math.sqrt(d) * yb)) + 1
        return clamped_bound(self, yb, inter, store)


def norm_constants(d: int, eps_cap: int, e2: int = 12, rsqrt_frac: int = 22, z_bits: int = 24) -> dict:
    """The fixed-point layout of a norm over rows of length d (see the module docstring):
    z = x2 r / 2^(kz + f/2) with r ~ 2^G / sqrt(h) makes z = y_norm 2^Zb / sqrt(d) for kz = E2 + G - Zb."""
    A = norm_a_bits(d, eps_cap)
    kz = e2 + rsqrt_frac - z_bits
    if kz < 1:
        raise ValueError("norm layout: E2 + G must exceed Zb")
    return {"A": A, "E2": e2, "e_min": -(A + 1), "G": rsqrt_frac, "Zb": z_bits, "kz": kz,
            "z_scale": math.sqrt(d) / (1 << z_bits)}
