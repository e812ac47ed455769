"""BLAKE3 in Numba (CPU lanes + CUDA) and Merkle commitments over matrices of field elements.

Modules: `compress` (the compression function), `lanes` (many messages at once), `blake3`
(byte strings), `rows` (Merkle leaves and nodes), `merkle` (trees, multi-openings), `reference`
(pure Python, for tests). Importing this package compiles nothing.
"""
