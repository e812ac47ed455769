"""Benchmark suites behind `dp bench SUITE`. Each suite module exposes `run(opts) -> list[Record]`.

Suites import their kernels lazily, so listing suites costs nothing.
"""

SUITES: dict[str, tuple[str, str]] = {
    # name -> (module, one-line description)
    "kernels": ("deepprove_cli.bench.kernels", "field, NTT, BLAKE3, Merkle, transcript kernels; cold start"),
    "pcs": ("deepprove_cli.bench.pcs", "Basefold commit (vs NTT+Merkle lower bound), open, verify; proof size, security"),
    "sumcheck": ("deepprove_cli.bench.sumcheck", "sumcheck prover (deg 2, 3) vs one evaluation at a point; verifier"),
    "lookup": ("deepprove_cli.bench.lookup", "logUp-GKR prover vs naive logUp witness (multiplicities + inversion); verifier"),
    "infer": ("deepprove_cli.bench.infer", "integer greedy generation vs the float reference (tokens/s); trace size"),
    "accuracy": ("deepprove_cli.bench.accuracy", "perplexity of the integer program vs the float reference"),
    "e2e": ("deepprove_cli.bench.e2e", "load, infer, prove, verify one model: prove/infer ratio, proof size, per-node times"),
}
