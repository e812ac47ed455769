"""Generic sumcheck for sums of products of multilinear tables.

problem.py (what is proven; final-value checks; batching convention), proof.py (wire format and
Fiat-Shamir schedule), prover.py, verifier.py (imports no prover kernels), lagrange.py (round
polynomial evaluation), kernels.py / product_kernels.py (CPU round kernels), reference.py (slow
pure-Python twin for tests).

Importing this package compiles nothing; import the submodule you need.
"""
