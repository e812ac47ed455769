"""logUp lookups proven with GKR over the fractional sums (DESIGN.md section 3).

Every element of the looked-up columns lies in a table: sum_i 1/(alpha - w_i) = sum_j m_j/(alpha - t_j),
with tuples folded by a challenge beta (w = x + beta y + ...). The sums are computed by binary trees of
fractions (p, q) proven layer by layer with one eq-weighted sumcheck per layer, batched across every
tree of every table, so no inverse is ever committed. The argument commits and opens nothing: it
returns CLAIMS (evaluations of the witness columns and multiplicities at points it chose) that the
caller checks by openings or by later layers.

Use:
    mult = multiplicity.compute_multiplicities(tables, lookups)     # caller commits lookups + mult
    proof, claims = logup.prove(tables, lookups, mult, transcript)
    claims = verifier.verify(tables, [lk.shape for lk in lookups], proof_or_bytes, transcript)
    # caller checks every claim (openings of the zero-padded columns at the claimed points)

Modules: `tables` (Table: range, identity and function tables; succinct and evaluated MLEs),
`layout` (who goes in which fraction tree; Lookup, claims), `proof` (wire format, transcript
schedule), `multiplicity` (histograms, membership checks), `tree` and `layer_kernels` (CPU prover
kernels; `flat_ops` their ext additions), `cuda` (CUDA twins), `gkr_prover` / `gkr_verifier`
(batched fractional-sum GKR), `felt` (scalar and short-array ext helpers), `logup` (prover API),
`verifier` (verifier API, imports no prover kernel), `standalone` (a hash-binding caller for tests
and benchmarks, until the PCS is wired in), `reference` (slow pure-Python references).

Measured (`dp bench lookup`, shared 2-core box under load): 2^20 lookups into a 2^16 range table
prove in ~0.3-0.6 s (multiplicities included), verify in ~10 ms, 8.4 KB of proof.

Importing this package compiles nothing; import the submodule you need.
"""
