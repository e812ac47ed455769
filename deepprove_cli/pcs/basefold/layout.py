"""Where everything of a committed batch lives: size groups, tree levels, windows, fold schedule.

Pure index arithmetic, shared by the prover and the verifier (no kernels), so both derive the
same shapes from the same public data: the columns' numbers of variables, the rate, leaf width
and arity of the commitment, the claims and the opening parameters. "Polynomials" below are the
committed columns (a caller's polynomial above max_vars is several of them, split.py; many small
ones share one, pack.py).

Batch tree (one Merkle tree per batch, mixed heights). Polynomials with the same number of
variables form a group. A codeword of 2^L positions (L = n + rate_bits, bit-reversed order) is cut
into windows of 2^w consecutive positions, w = min(l, L) with l = leaf_bits (log of the leaf
window). The tallest group's windows are the tree's leaves (a leaf row = the group's polynomials'
windows, poly-major); the windows of a group with d fewer variables attach at tree level d, where
the tree has exactly as many nodes as the group has windows; a group whose whole codeword is
shorter than a window ("tiny") attaches whole at the root level. The window of position p at fold
count d is therefore always on the Merkle path of the leaf of the query: one path opens a query's
rows of every group.

Opening (one claimed point z over n = max claimed variables; smaller polynomials take the suffix
z[n - n_k:]). The folding binds x_0 first; a group with n_k variables is added ("injected") into
the folded codeword and into the sumcheck table after d_k = n - n_k folds, when their sizes
match. Folding stops at t = min(final_vars, smallest claimed n_k) variables (F = n - t folds);
the final polynomial is sent in clear. Folds are grouped into layers: layer 0 reads the batch
tree (its w folds take a leaf window down to one value), each later layer is one committed
codeword whose leaves are windows of 2^m_c positions, and m_c = min(a, folds to the next layer
start) folds, a = arity_bits, take one window down to one value of the next layer.

Injection points after layer 0 always start a layer, and a layer's codeword is committed after
the groups entering there are added: a query then needs an injected group's value at its own
position only (one fold check: folded + injected = next layer's value), never a whole layer
window of it, which a batch leaf narrower than the arity would not hold. Inside layer 0 the
injected windows cover the (shrinking) folded window: they are at least as wide.

Why the leaf width is not the arity: a batch-tree leaf holds 2^w positions of EVERY column of
the group, so a query opens 2^w x (batch width) base elements there, while a layer leaf holds
2^m_c extension elements whatever the width. Wide batches (the model's weights, split
polynomials) want narrow batch leaves and wide layer leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from deepprove_cli.field.babybear import TWO_ADICITY

MAX_RATE_BITS = 4
MAX_ARITY_BITS = 4
MAX_LEAF_BITS = 4
LEVEL_BYTES = 150   # measured marginal proof bytes per query of one more batch-tree level (auto_leaf_bits)


def auto_leaf_bits(num_vars) -> int:
    """The leaf width (log) for these columns when the parameters leave it open: the l in
    [1, MAX_LEAF_BITS] minimizing a query's batch-row bytes, 4 K 2^l for K columns of the largest
    size, minus LEVEL_BYTES l (each leaf bit saves one tree level and moves one fold out of the
    committed layers: ~150 B per query, measured by `dp bench pcs`). It gives 4 for one column, 2
    for 16 (a 2^24 polynomial's chunks), 1 from 20 columns on (the model's weights)."""
    top = max(num_vars)
    width = sum(1 for n in num_vars if n == top)
    return min(range(1, MAX_LEAF_BITS + 1), key=lambda lb: 4 * width * (1 << lb) - LEVEL_BYTES * lb)
MAX_POLYS = 1 << 16


@dataclass(frozen=True)
class Group:
    """The polynomials of one size inside a batch."""

    num_vars: int
    polys: tuple[int, ...]   # indices into the batch, increasing
    log_len: int             # codeword length 2^log_len
    log_window: int          # positions per window (a tree row holds one window of every poly)
    level: int               # the tree level its windows attach to

    @property
    def windows(self) -> int:
        return 1 << (self.log_len - self.log_window)

    @property
    def width(self) -> int:
        """Base-field elements of this group in one tree row."""
        return len(self.polys) << self.log_window


@dataclass(frozen=True)
class BatchLayout:
    num_vars: tuple[int, ...]
    rate_bits: int
    arity_bits: int
    leaf_bits: int

    def __post_init__(self):
        nv, r, m = self.num_vars, self.rate_bits, self.arity_bits
        if not 1 <= len(nv) <= MAX_POLYS:
            raise ValueError(f"a batch holds 1 to {MAX_POLYS} polynomials, got {len(nv)}")
        if not 1 <= r <= MAX_RATE_BITS:
            raise ValueError(f"rate_bits must be in [1, {MAX_RATE_BITS}], got {r}")
        if not 1 <= m <= MAX_ARITY_BITS:
            raise ValueError(f"arity_bits must be in [1, {MAX_ARITY_BITS}], got {m}")
        if not 1 <= self.leaf_bits <= MAX_LEAF_BITS:
            raise ValueError(f"leaf_bits must be in [1, {MAX_LEAF_BITS}], got {self.leaf_bits}")
        for n in nv:
            if n < 0 or n + r > TWO_ADICITY:
                raise ValueError(f"a polynomial of {n} variables at rate 2^-{r} exceeds the 2^{TWO_ADICITY} domain")

    @property
    def n_max(self) -> int:
        return max(self.num_vars)

    @property
    def log_leaf(self) -> int:
        """Effective leaf window log: leaf_bits, unless the tallest codeword is shorter than that."""
        return min(self.leaf_bits, self.n_max + self.rate_bits)

    @property
    def height(self) -> int:
        return self.n_max + self.rate_bits - self.log_leaf

    @property
    def n_leaves(self) -> int:
        return 1 << self.height

    @cached_property
    def groups(self) -> tuple[Group, ...]:
        """Size groups, largest first."""
        out = []
        for n in sorted(set(self.num_vars), reverse=True):
            log_len = n + self.rate_bits
            w = min(self.log_leaf, log_len)
            level = min(self.n_max - n, self.height)
            out.append(Group(n, tuple(i for i, v in enumerate(self.num_vars) if v == n), log_len, w, level))
        return tuple(out)

    def group_of(self, poly: int) -> int:
        n = self.num_vars[poly]
        return next(i for i, g in enumerate(self.groups) if g.num_vars == n)

    @cached_property
    def levels(self) -> dict[int, tuple[int, ...]]:
        """Tree level -> the groups attached there (in group order); level 0 always has one."""
        out: dict[int, list[int]] = {}
        for i, g in enumerate(self.groups):
            out.setdefault(g.level, []).append(i)
        return {lvl: tuple(gs) for lvl, gs in sorted(out.items())}

    def level_width(self, level: int) -> int:
        return sum(self.groups[g].width for g in self.levels[level])


@dataclass(frozen=True)
class Layer:
    """Folds `folds` steps starting at fold count `start`, from windows of 2^log_window positions."""

    start: int
    folds: int
    log_window: int


@dataclass(frozen=True)
class FoldSchedule:
    """The fold plan of one opening (derived from the layout, the claimed polys and final_vars)."""

    layout: BatchLayout
    claimed: tuple[int, ...]        # claimed polys, increasing
    n: int                          # variables of the largest claimed poly
    final_vars: int                 # t
    layers: tuple[Layer, ...]       # layers[0] reads the batch tree; the rest are committed layers
    inject: dict                    # fold count d -> groups (indices) entering there

    @classmethod
    def build(cls, layout: BatchLayout, claimed, final_vars: int) -> "FoldSchedule":
        claimed = tuple(sorted(set(int(k) for k in claimed)))
        if not claimed:
            raise ValueError("an opening needs at least one claimed polynomial")
        nv = [layout.num_vars[k] for k in claimed]
        n = max(nv)
        t = min(final_vars, min(nv))
        folds = n - t
        groups = layout.groups
        inject: dict[int, list[int]] = {}
        for gi, g in enumerate(groups):
            if any(layout.num_vars[k] == g.num_vars for k in claimed):
                inject.setdefault(n - g.num_vars, []).append(gi)
        top = groups[inject[0][0]]
        layers = [Layer(0, min(top.log_window, folds), top.log_window)]
        d = layers[0].folds
        while d < folds:
            cut = min([e for e in inject if e > d] + [folds])
            m = min(layout.arity_bits, cut - d)
            layers.append(Layer(d, m, m))
            d += m
        return cls(layout, claimed, n, t, tuple(layers), {d: tuple(v) for d, v in inject.items()})

    @property
    def folds(self) -> int:
        return self.n - self.final_vars

    @property
    def log_len(self) -> int:
        """Codeword length (log) of the largest claimed poly: the query domain."""
        return self.n + self.layout.rate_bits

    @property
    def level_offset(self) -> int:
        """Tree level of the largest claimed group (0 unless larger unclaimed polys exist)."""
        return self.layout.n_max - self.n

    @property
    def top_group(self) -> Group:
        return next(g for g in self.layout.groups if g.num_vars == self.n)

    def leaf_of(self, q):
        """The batch-tree leaf whose path holds query position q (q: int or int64 array)."""
        g = self.top_group
        return (q >> g.log_window) << g.level

    def committed_layers(self) -> tuple[Layer, ...]:
        return self.layers[1:]

    def layer_rows(self, c: int) -> int:
        """Leaves of committed layer c >= 1: its codeword has 2^(log_len - start) positions."""
        lay = self.layers[c]
        return 1 << (self.log_len - lay.start - lay.log_window)
