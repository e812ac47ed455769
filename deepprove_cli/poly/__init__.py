"""Multilinear tables: eq (eq.py), evaluation and variable fixing (multilinear.py), tensor padding
(padding.py), succinctly evaluable tables (structured.py), pure-Python references (reference.py).

Importing this package compiles nothing; import the submodule you need.
"""
