"""BabyBear field arithmetic.

babybear   modulus, njit scalar ops (add/sub/neg/mul/pow_/inv, Barrett/Shoup helpers), conversions
vec        vectorized base-field kernels (elementwise ops, scale/axpy, batch inverse, inner product)
ext4       the extension F_p[X]/(X^4 - 11): njit scalar ops on 4-tuples, element helpers
ext4_vec   vectorized ext4 kernels on (n, 4) arrays
ntt        radix-2 NTTs (forward, inverse, coset, Reed-Solomon LDE), batched rows, bit reversal
cuda       CUDA twins of the vector kernels (numba-cuda), compiled from the same scalar sources
ntt_cuda   the NTTs on a GPU
parallel   when a parallel kernel runs single-threaded (small inputs)
reference  slow pure-Python references for every kernel (tests)

Importing this package compiles nothing; import the submodule you need.
"""
