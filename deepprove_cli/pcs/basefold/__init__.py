"""Basefold over BabyBear: encoding (RS code, fold), commit phase (batch tree), opening (point
reduction, sumcheck interleaved with folding, queries) and the verifier. See layout.py for where
everything lives and verifier.py for what is checked.

Importing this package compiles nothing; import the submodule you need.
"""
