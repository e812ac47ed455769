"""deepprove-cli: prove that a quantized LLM produced a given output, and verify such proofs."""

__version__ = "0.1.0"
