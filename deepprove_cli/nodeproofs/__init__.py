"""Node proofs: how each node kind of the integer program is proven and verified (base.py: the
interface, a lowering into primitive ops), the plan of a whole model (plan.py) and the statement.

Proven kinds: einsum, embedding (linear.py); add, mul, lookup, requant, limbs, reshape, kvcache
(elementwise.py); argmax (output.py). Softmax, norm and rope come as one module each.

Importing this package registers the kinds; it compiles no prover kernel.
"""

from deepprove_cli.nodeproofs import elementwise, linear, output  # noqa: F401 (registers the kinds)
