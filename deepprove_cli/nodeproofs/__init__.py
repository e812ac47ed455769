"""Node proofs: how each node kind of the integer program is proven and verified.

base.py        the interface (NodeProof.lower) and the Lowering builder it receives
ops.py         primitive proof ops (linear, split, einsum, stack, slice, alias, public, table, constraint)
splits.py      shared lowering helpers: range checks, guarded splits, soft clamps, mul_shift
plan.py        the whole model lowered (tensors, committed batch order, lookups, tables, padding shifts)
claims.py      where claims go during the claim flow
statement.py   the statement and its protocol parameters
linear.py      einsum, embedding;  elementwise.py: add, mul, lookup, requant, limbs, reshape, kvcache;
output.py      argmax

Writing the proof of a node kind (one module, registered with @register, imported below):

    @register
    class SoftmaxProof(NodeProof):
        kind = "softmax"
        def lower(self, node, low):
            x = low.input(0)                        # the input tensor's name; low.shape_of(x) its shape
            ...                                     # tensors: low.tensor(suffix, shape, "committed" | "virtual")
            low.op(SomeOp(...))                     # every virtual tensor is defined by exactly one op
            low.lookup(low.table("exp"), [d, e])    # columns of one shape looked up in a table
            linear(low, None, shape, terms)         # the node's output (suffix None), or low.out(kind)

- Declare ops in evaluation order: the prover runs their `forward` (int64) in that order to build the
  witness and checks the node's output against `node.eval`; the claim flow walks them in reverse.
- A relation proven at fresh challenges (DivRem, RowMax, limb identities) is a ConstraintOp; declare
  its advice committed, its range checks with splits.declare_range(identity=False) (the relation
  proves its own limb identities) and compute its witness in the op (tests/prover/test_constraint_kind.py).
- Every split's quotient must be bounded for the split to pin it: use splits.split (it guards);
  a value looked up in a table is bounded by the table's domain (`known_width`).
- Public arrays: low.array(role) gives the weight Operand (committed) or a Dense the verifier evaluates.

Importing this package registers the kinds; it compiles no prover kernel.
"""

from deepprove_cli.nodeproofs import elementwise, linear, output  # noqa: F401 (registers the kinds)
from deepprove_cli.nodeproofs import rope  # noqa: F401,E402 (registers the kind)
from deepprove_cli.nodeproofs import softmax  # noqa: F401,E402 (registers the kind)
from deepprove_cli.nodeproofs import norm  # noqa: F401,E402 (registers the kind)
