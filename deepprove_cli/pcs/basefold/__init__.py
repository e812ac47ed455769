"""Basefold over BabyBear: encoding (RS code, fold), splitting of big polynomials into columns
(split.py) and packing of many small ones into shared columns (pack.py), commit phase (streamed
encoding, row hashing, batch tree), persistence of the prover's data (persist.py), opening (split
values, point reduction, sumcheck interleaved with folding, queries) and the verifier. See
layout.py for where everything lives and verifier.py for what is checked.

Importing this package compiles nothing; import the submodule you need.
"""
