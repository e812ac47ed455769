"""BabyBear field arithmetic: scalar ops (babybear), vector kernels (vec), the degree-4 extension
(ext4), NTTs (ntt), CUDA twins (cuda, ntt_cuda) and slow pure-Python references (reference).

Importing this package compiles nothing; import the submodule you need.
"""
