"""The quantized model as an integer program: a DAG of nodes, each with its integer evaluation (the
only definition of its semantics: `dp infer` runs it, the prover re-runs it for witnesses), output
shape and worst-case bound.

Modules: `node` (base class, evaluation context, the store of public arrays and tables), `linear`
(Einsum, Embedding), `elementwise` (Requant, Limbs, Lookup, Mul, Add, Reshape), `norm` (RMS/LayerNorm
in per-row block floating point), `attention` (Rope, KVCache, Softmax), `output` (Argmax), `program`
(the Graph: bound checks, evaluation, JSON), `build` (the graph of a gpt2/llama/gemma3 model from its
float weights and calibration). Importing this package compiles nothing.
"""
