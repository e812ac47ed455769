"""Slow, obviously correct references for every field kernel, on Python ints (tests only).

Each function follows the textbook definition with no tricks, so a kernel that agrees with it on
random and edge inputs is right. Extension elements are 4-tuples of ints (coefficients of 1..X^3).
"""

from __future__ import annotations

P = 2013265921
W = 11  # X^4 = W in the extension


# --- base field ---------------------------------------------------------------------------------

def add(a: int, b: int) -> int:
    return (a + b) % P


def sub(a: int, b: int) -> int:
    return (a - b) % P


def neg(a: int) -> int:
    return (-a) % P


def mul(a: int, b: int) -> int:
    return (a * b) % P


def pow_(a: int, e: int) -> int:
    return pow(a, e, P)


def inv(a: int) -> int:
    """Inverse by Fermat (inv(0) = 0)."""
    return pow(a, P - 2, P)


def batch_inv(xs) -> list[int]:
    return [inv(int(x)) for x in xs]


def inner(a, b) -> int:
    return sum(int(x) * int(y) for x, y in zip(a, b)) % P


def is_generator(g: int) -> bool:
    """g generates F_p^* iff g^((p-1)/q) != 1 for each prime q | p - 1 = 2^27 * 3 * 5."""
    return all(pow(g, (P - 1) // q, P) != 1 for q in (2, 3, 5))


# --- extension F_p[X]/(X^4 - 11) -----------------------------------------------------------------

def ext_add(a, b):
    return tuple((x + y) % P for x, y in zip(a, b))


def ext_sub(a, b):
    return tuple((x - y) % P for x, y in zip(a, b))


def ext_neg(a):
    return tuple((-x) % P for x in a)


def ext_mul(a, b):
    """Schoolbook product of degree <= 6, then X^(4+k) = W X^k."""
    prod = [0] * 7
    for i in range(4):
        for j in range(4):
            prod[i + j] += int(a[i]) * int(b[j])
    return tuple((prod[k] + W * (prod[k + 4] if k + 4 < 7 else 0)) % P for k in range(4))


def ext_mul_base(a, s):
    return tuple(int(x) * int(s) % P for x in a)


def ext_pow(a, e: int):
    result = (1, 0, 0, 0)
    base = tuple(int(x) for x in a)
    while e:
        if e & 1:
            result = ext_mul(result, base)
        base = ext_mul(base, base)
        e >>= 1
    return result


def ext_inv(a):
    """Inverse by Fermat in the field of p^4 elements (ext_inv(0) = 0)."""
    return ext_pow(a, P ** 4 - 2)


def ext_inner(a, b):
    """sum a_i * b_i for two lists of extension elements."""
    acc = (0, 0, 0, 0)
    for x, y in zip(a, b):
        acc = ext_add(acc, ext_mul(x, y))
    return acc


def ext_inner_base(a, s):
    """sum a_i * s_i for extension elements a_i and base elements s_i."""
    acc = (0, 0, 0, 0)
    for x, y in zip(a, s):
        acc = ext_add(acc, ext_mul_base(x, y))
    return acc


# --- transforms ---------------------------------------------------------------------------------

def root_of_unity(n: int) -> int:
    """The primitive n-th root of unity used by the NTT: generator^((p-1)/n) for the generator 31."""
    assert (P - 1) % n == 0
    return pow(pow(31, (P - 1) >> 27, P), (1 << 27) // n, P)


def dft(coeffs, shift: int = 1) -> list[int]:
    """Evaluations y_k = sum_j c_j (shift * w^k)^j, w the primitive len(coeffs)-th root: O(n^2)."""
    n = len(coeffs)
    w = root_of_unity(n)
    out = []
    for k in range(n):
        x = shift * pow(w, k, P) % P
        out.append(sum(int(c) * pow(x, j, P) for j, c in enumerate(coeffs)) % P)
    return out


def idft(evals, shift: int = 1) -> list[int]:
    """Coefficients from evaluations on shift * <w>: c_j = shift^-j n^-1 sum_k y_k w^(-jk)."""
    n = len(evals)
    winv = inv(root_of_unity(n))
    ninv = inv(n)
    sinv = inv(shift)
    return [ninv * pow(sinv, j, P) * sum(int(y) * pow(winv, j * k, P) for k, y in enumerate(evals)) % P
            for j in range(n)]


def bit_reverse_index(i: int, log_n: int) -> int:
    return int(format(i, f"0{log_n}b")[::-1], 2) if log_n else 0


def bit_reverse(xs) -> list:
    n = len(xs)
    log_n = n.bit_length() - 1
    return [xs[bit_reverse_index(i, log_n)] for i in range(n)]
