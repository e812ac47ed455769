"""The Basefold opening verifier. Imports the field, hash and transcript layers and the shared,
kernel-free protocol modules (layout, claims, proof format, labels); never a prover kernel.

Checks, in order (each failure raises ProofInvalid naming it):
  1. the proof parses under the verifier's own shape (commitment, claims, parameters);
  1b. every claim on a split polynomial: its chunk values recombine to the claimed value
     (sum_j eq(z_high, j) v_j = v, split.py); the chunk claims replace it from here on; a claim on
     a packed polynomial becomes the claim on its column at the point the verifier derives from
     the sizes alone (its slot bits appended, pack.py);
  2. point reduction (several points): every round's sum, then the last round against the sent
     values f_k(r[d_k:]) weighted by the claims' eq polynomials;
  3. fold sumcheck: every round's sum (the claims of smaller polynomials join at their round,
     scaled by the eq prefix), then the last round against the final polynomial at z[F:];
  4. grinding nonce;
  5. per query: the batch tree's paths and rows, each committed layer's path and window, every
     fold (the opened windows combined with beta, folded with the round challenges, must give the
     next layer's opened value) and, at the end, the final polynomial's codeword at the query.
"""

from __future__ import annotations

import numpy as np

from deepprove_cli.errors import ProofInvalid
from deepprove_cli.field.babybear import P, two_adic_root
from deepprove_cli.hash.merkle import MultiProof, verify_multi
from deepprove_cli.io.binary import ProofFormatError
from deepprove_cli.pcs.basefold import batch_tree, labels
from deepprove_cli.pcs.basefold import claim_kernels as CK
from deepprove_cli.pcs.basefold import verifier_kernels as V
from deepprove_cli.pcs.basefold.claims import check_claims, common_point
from deepprove_cli.pcs.basefold.params import DEFAULT_PARAMS, PcsParams
from deepprove_cli.pcs.basefold.proof import OpeningProof, ProofShape
from deepprove_cli.pcs.basefold.protocol import (absorb_split_values, absorb_statement, beta_coefficients,
                                                 reduce_coefficients)
from deepprove_cli.pcs.basefold.scalars import ONE, ZERO, eadd, emul, eq1, esub, quadratic_at


def _t(a):
    return (np.uint32(a[0]), np.uint32(a[1]), np.uint32(a[2]), np.uint32(a[3]))


def parse(commitment, claims, proof, params: PcsParams) -> tuple[OpeningProof, ProofShape]:
    """The proof (bytes or an OpeningProof, re-encoded) parsed strictly under the verifier's shape."""
    shape = ProofShape.of(commitment, claims, params)
    if isinstance(proof, OpeningProof):
        try:
            proof = proof.to_bytes()
        except (ValueError, TypeError, AttributeError) as e:
            raise ProofFormatError(f"opening proof: cannot be encoded ({e})") from None
    if not isinstance(proof, (bytes, bytearray, memoryview)):
        raise ProofFormatError("opening proof: expected bytes or an OpeningProof")
    return OpeningProof.from_bytes(bytes(proof), shape), shape


def verify_opening(commitment, claims, proof, transcript, params: PcsParams = DEFAULT_PARAMS) -> None:
    """Accept (return) or raise ProofInvalid. `claims` are the public Claim list; `proof` bytes or an
    OpeningProof; `transcript` in the same state as the prover's was."""
    layout = commitment.layout
    claims = check_claims(commitment.split, claims)
    if commitment.mismatch(params):
        raise ProofInvalid(f"opening: the commitment's {commitment.mismatch(params)} differ from the verifier's "
                           "parameters")
    proof, shape = parse(commitment, claims, proof, params)
    s = shape.schedule
    absorb_statement(transcript, params, commitment, claims)
    absorb_split_values(transcript, proof.split_values)
    _check_split(commitment.split, claims, proof.split_values)
    claims = commitment.column_claims(claims, proof.split_values)
    if shape.multi_point:
        z, values = _verify_reduction(s, claims, proof, transcript)
    else:
        z, values = common_point(layout, claims)
    coeffs = beta_coefficients(transcript, s.claimed)
    challenges = _verify_folding(s, z, values, coeffs, proof, transcript)
    if not transcript.check_grind(params.grinding_bits, proof.nonce):
        raise ProofInvalid("opening: the grinding nonce is not a valid proof of work")
    queries = transcript.challenge_indices(labels.QUERIES, s.log_len, params.num_queries)
    _verify_queries(commitment, s, coeffs, challenges, proof, queries)


def _check_split(split, claims, values) -> None:
    """Every claim on a split polynomial: sum_j eq(z_high, j) v_j must be its value."""
    for i, c, off in split.split_claims(claims):
        chunk = np.ascontiguousarray(values[off:off + split.chunks(c.poly)])
        got = V.mle_eval(chunk, np.ascontiguousarray(c.point[split.max_vars:]))
        if not np.array_equal(np.array(got, dtype=np.uint32), c.value):
            raise ProofInvalid(f"opening: the chunk values of claim {i} do not recombine to its claimed value")


def _verify_reduction(s, claims, proof, transcript):
    """Replay the point reduction; returns (point r, {poly: f_k(r[d_k:])})."""
    layout = s.layout
    ap = reduce_coefficients(transcript, len(claims))
    n = s.n
    lens = np.array([layout.num_vars[c.poly] for c in claims], dtype=np.int64)
    pts = np.zeros((len(claims), n, 4), dtype=np.uint32)
    for i, c in enumerate(claims):
        pts[i, :lens[i]] = c.point
    joins = np.empty((n + 1, 4), dtype=np.uint32)
    CK.k_joins(lens, ap, np.array([c.value for c in claims], dtype=np.uint32).reshape(-1, 4), joins)
    total = joins[0]
    point = np.zeros((n, 4), dtype=np.uint32)
    for j in range(n):
        if j:
            total = eadd(total, joins[j])
        h0, h2 = proof.reduce_rounds[j]
        transcript.absorb_ext(labels.REDUCE_ROUND, proof.reduce_rounds[j])
        point[j] = transcript.challenge_ext(labels.REDUCE_CHALLENGE)
        total = quadratic_at(h0, esub(total, h0), h2, point[j])
    if n:
        total = eadd(total, joins[n])
    transcript.absorb_ext(labels.REDUCE_VALUES, proof.reduce_values)
    values = dict(zip(s.claimed, proof.reduce_values))
    sent = proof.reduce_values[np.searchsorted(np.array(s.claimed), [c.poly for c in claims])].reshape(-1, 4)
    expected = np.zeros(4, dtype=np.uint32)
    CK.k_expected(pts, lens, ap, np.ascontiguousarray(sent), point, expected)
    if not np.array_equal(total, expected):
        raise ProofInvalid("opening: point reduction's last round does not match the sent evaluations")
    return point, values


def _verify_folding(s, z, values, coeffs, proof, transcript) -> np.ndarray:
    """Replay the fold sumcheck and check its end against the final polynomial; returns the challenges."""
    layout = s.layout
    joins: dict[int, np.ndarray] = {}
    for k in s.claimed:
        d = s.n - layout.num_vars[k]
        joins[d] = eadd(joins.get(d, ZERO), emul(coeffs[k], values[k]))
    commit_at = [lay.start for lay in s.committed_layers()]
    roots = iter(proof.layer_roots)
    total, prefix = ZERO, ONE
    challenges = np.zeros((s.folds, 4), dtype=np.uint32)
    for j in range(s.folds):
        total = eadd(total, emul(prefix, joins.get(j, ZERO)))
        h0, h2 = proof.fold_rounds[j]
        transcript.absorb_ext(labels.FOLD_ROUND, proof.fold_rounds[j])
        challenges[j] = transcript.challenge_ext(labels.FOLD_CHALLENGE)
        total = quadratic_at(h0, esub(total, h0), h2, challenges[j])
        prefix = emul(prefix, eq1(z[j], challenges[j]))
        if j + 1 in commit_at:
            transcript.absorb_digest(labels.FOLD_ROOT, next(roots))
    total = eadd(total, emul(prefix, joins.get(s.folds, ZERO)))
    final_at_z = np.array(V.monomial_eval(proof.final, np.ascontiguousarray(z[s.folds:])), dtype=np.uint32)
    if not np.array_equal(total, emul(prefix, final_at_z)):
        raise ProofInvalid("opening: fold sumcheck's last round does not match the final polynomial")
    transcript.absorb_ext(labels.FINAL, proof.final)
    return challenges


def _group_windows(commitment, s, proof, leaves: np.ndarray) -> dict:
    """Per injected group: its opened window of every query, (Q, K_g, W_g) base."""
    layout = s.layout
    unique = np.unique(leaves)
    level_rows = dict(zip(layout.levels, proof.batch_opening.rows))
    out = {}
    for gs in s.inject.values():
        for gi in gs:
            g = layout.groups[gi]
            at_level = layout.levels[g.level]
            off = sum(layout.groups[h].width for h in at_level[:at_level.index(gi)])
            row = np.searchsorted(batch_tree.opened_nodes(unique, g.level), leaves >> g.level)
            mat = level_rows[g.level][row, off:off + g.width]
            out[gi] = np.ascontiguousarray(mat).reshape(len(leaves), len(g.polys), 1 << g.log_window)
    return out


def _verify_queries(commitment, s, coeffs, challenges, proof, queries: np.ndarray) -> None:
    layout = s.layout
    leaves = s.leaf_of(queries)
    batch_tree.verify(layout, commitment.root, np.unique(leaves), proof.batch_opening.rows,
                      proof.batch_opening.nodes)
    windows = _group_windows(commitment, s, proof, leaves)
    combos = {}
    for gi in windows:
        polys = layout.groups[gi].polys
        pos = [i for i, k in enumerate(polys) if k in coeffs]
        combos[gi] = (np.array(pos, dtype=np.int64),
                      np.ascontiguousarray(np.array([coeffs[polys[i]] for i in pos], dtype=np.uint32).reshape(-1, 4)))
    nq = len(queries)
    rows_q = np.arange(nq)
    w0 = s.layers[0].log_window
    start = (queries >> w0) << w0
    vals = np.zeros((nq, 1 << w0, 4), dtype=np.uint32)

    def inject(d: int, vals, start) -> None:
        """Add the groups entering at fold count d to the values at positions start + t."""
        for gi in s.inject.get(d, ()):
            g = layout.groups[gi]
            offset = start - (((queries >> d) >> g.log_window) << g.log_window)
            V.k_inject(vals, windows[gi], combos[gi][0], combos[gi][1], offset)

    for c, lay in enumerate(s.layers):
        if c:  # a layer start: folded value + the groups entering here = the committed value
            p = queries >> lay.start
            idx = p >> lay.log_window
            unique = np.unique(idx)
            op = proof.layer_openings[c - 1]
            verify_multi(proof.layer_roots[c - 1], s.layer_rows(c), unique, op.rows[0], MultiProof(op.nodes))
            win = op.rows[0][np.searchsorted(unique, idx)].reshape(nq, 1 << lay.log_window, 4)
            new_start = idx << lay.log_window
            at_p = np.ascontiguousarray(vals[rows_q, p - start][:, None, :])
            inject(lay.start, at_p, p)
            if not np.array_equal(at_p[:, 0], win[rows_q, p - new_start]):
                raise ProofInvalid(f"opening: a query's fold of layer {c - 1} does not match layer {c}")
            vals, start = np.ascontiguousarray(win), new_start
        for e in range(lay.folds):
            d = lay.start + e
            if not c:  # inside layer 0 (later layers have no injection inside, layout.py)
                inject(d, vals, start)
            log_len = s.log_len - d
            out = np.empty((nq, vals.shape[1] // 2, 4), dtype=np.uint32)
            root_inv = pow(two_adic_root(log_len), P - 2, P)
            V.k_fold_queries(vals, start, log_len, np.uint32(root_inv), _t(challenges[d]), out)
            vals, start = out, start >> 1
    p = queries >> s.folds
    inject(s.folds, vals, start)
    log_len = s.log_len - s.folds
    want = np.empty((nq, 4), dtype=np.uint32)
    V.k_final_values(proof.final, p, log_len, np.uint32(two_adic_root(log_len)), want)
    if not np.array_equal(vals[rows_q, p - start], want):
        raise ProofInvalid("opening: a query's folded value does not match the final polynomial")
