"""Proof gadgets ("relations") for the nodes of the quantized model's integer program.

Each relation reduces claims on its OUTPUT tensors (evaluations of their multilinear extensions at
points) to claims on its INPUT tensors and on committed advice, with a prover and a verifier that
replay the same transcript calls. Relations commit and open nothing: the orchestration checks the
claims they leave (openings, other relations, lookups).

layout      tensors as multilinear tables (padding, variables per dimension, points per dimension)
claims      TensorClaim, ClaimSet, reduce_claims (many claims on one tensor -> one)
proof       the wire format and transcript discipline every relation shares
public      public tensors the verifier evaluates itself (dense, ones, band masks, one-hot rows)
fold        prover kernels binding an operand's indices with eq weights (the bulk of Einsum work)
einsum      Y = einsum(spec, A, B): batch / free / contracted letters, public operands
elementwise linear relations with broadcasting (add, sub, lincomb, broadcast, identity checks),
            products (mul, scale by a public tensor) as Einsums
ranges      range-checked columns handed to the lookup argument: direct, derived, 16-bit limbs
split       x + offset = hi 2^k + limbs (shift, rounding): integer helper, relation, range columns
zerocheck   sumchecks over one layout mixing witness and public factors; batched zero-checks
divrem      a = q b + r, 0 <= r < b per row, q bounded: zero-check, remainder, gap and quotient ranges
rowmax      m = masked row max: committed m, one-hot and differences, one batched zero-check
argmax      public tokens are the first row maxima: margin range column, selection Einsum
select      embedding rows by public ids: an Einsum with a sparse one-hot operand

Importing this package compiles nothing; import the submodule you need.
"""
