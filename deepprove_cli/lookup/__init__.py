"""logUp lookups proven with GKR over the fractional sums (DESIGN.md section 3).

Every element of the looked-up columns lies in a table: sum_i 1/(alpha - w_i) = sum_j m_j/(alpha - t_j),
with tuples folded by a challenge beta (w = x + beta y + ...). The sums are computed by binary trees of
fractions (p, q) proven layer by layer with one eq-weighted sumcheck per layer, batched across every
tree of every table, so no inverse is ever committed. The argument commits and opens nothing: it
returns CLAIMS (evaluations of the witness columns and multiplicities at points it chose) that the
caller checks by openings or by later layers.

Modules: `tables` (Table: range, identity and function tables; succinct and evaluated MLEs),
`layout` (who goes in which fraction tree; claims), `proof` (wire format, transcript labels),
`multiplicity` (histograms, membership checks), `tree` and `layer_kernels` (prover kernels),
`gkr_prover` / `gkr_verifier` (batched fractional-sum GKR), `logup` (prover API), `verifier`
(verifier API, imports no prover kernel), `standalone` (a hash-binding caller for tests and
benchmarks), `reference` (slow pure-Python references).

Importing this package compiles nothing; import the submodule you need.
"""
