"""How alike the transformer blocks' proof lowerings are: the precondition for proving them stacked.

    python scripts/block_uniformity.py demo/smollm2.dpq [--tokens 16]

Lowers the model's graph (the plan prover and verifier share) for a 5-token prompt plus --tokens
outputs and compares every block with block 0, node position by node position:
- whether the node has the same op types in the same order (per position: how many blocks do);
- per node kind, the op attributes that differ (type, proof shape, linear coefficients and constants,
  split specs, einsum specs, labels with the block index removed);
- the nodes whose lookups use other tables than block 0's, and the blocks with other nodes.
Blocks proven stacked on a layer axis need one structure for all layers: what this lists differs.
"""

from __future__ import annotations

import argparse
import collections
import re


def _strip(s) -> str:
    return re.sub(r"blk\.\d+\.", "blk.L.", str(s))


def _signature(op) -> dict:
    sig = {"type": type(op).__name__, "label": _strip(op.label), "shape": str(op.proof_shape())}
    rel = getattr(op, "relation", None)
    if rel is not None:
        if getattr(rel, "terms", None) is not None:
            sig["coeffs"] = tuple(int(c) for c, _ in rel.terms)
        sig["const"] = getattr(rel, "const", None)
        if hasattr(rel, "spec"):
            sig["spec"] = _strip(rel.spec)
    if hasattr(op, "spec"):
        sig["split"] = str(op.spec)
    return sig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="model.dpq (its .vk beside it)")
    ap.add_argument("--tokens", type=int, default=16)
    args = ap.parse_args()

    from deepprove_cli.model.vk import load_model
    from deepprove_cli.nodeproofs.plan import plan_for
    from deepprove_cli.nodeproofs.statement import Statement
    from deepprove_cli.pcs import DEFAULT_PARAMS
    from deepprove_cli.verifier.key import key_from_model

    files = load_model(args.model)
    key = key_from_model(files.qm, files.weights, files.model_id)
    plan = plan_for(key, Statement(key.model_id, (1,) * 5, (1,) * args.tokens, DEFAULT_PARAMS, files.vk.pcs))
    blocks = collections.defaultdict(list)
    for nl in plan.nodes:
        m = re.match(r"blk\.(\d+)\.", nl.node.name)
        if m:
            blocks[int(m.group(1))].append(nl)
    if len(blocks) < 2:
        print("fewer than two blocks: nothing to compare")
        return
    layers = sorted(blocks)
    ref = blocks[layers[0]]
    in_blocks = sum(len(nl.ops) for b in blocks.values() for nl in b)
    print(f"{len(layers)} blocks; {in_blocks} of {sum(len(nl.ops) for nl in plan.nodes)} ops inside blocks; "
          f"nodes per block {sorted({len(b) for b in blocks.values()})}; "
          f"ops per block {sorted({sum(len(nl.ops) for nl in b) for b in blocks.values()})}")

    print("\nnode positions where blocks differ from block 0 (same op types / blocks; op counts seen):")
    for pos, a in enumerate(ref):
        types0 = [type(o).__name__ for o in a.ops]
        same = sum(1 for l in layers if pos < len(blocks[l]) and blocks[l][pos].node.kind == a.node.kind
                   and [type(o).__name__ for o in blocks[l][pos].ops] == types0)
        if same < len(layers):
            counts = collections.Counter(len(blocks[l][pos].ops) for l in layers if pos < len(blocks[l]))
            print(f"  {pos:3d} {_strip(a.node.name):26s} {a.node.kind:8s} {same:3d}/{len(layers)}  {dict(counts)}")

    diff, tables, pairs = collections.Counter(), collections.Counter(), 0
    for l in layers[1:]:
        for a, b in zip(ref, blocks[l]):
            if [u.table for u in a.lookups] != [u.table for u in b.lookups]:
                tables[a.node.kind] += 1
            for oa, ob in zip(a.ops, b.ops):
                pairs += 1
                sa, sb = _signature(oa), _signature(ob)
                for k in sa:
                    if sa[k] != sb.get(k):
                        diff[(a.node.kind, k)] += 1
    print(f"\nop attributes differing from block 0 ({pairs} op pairs compared):")
    for (kind, attr), n in diff.most_common(20):
        print(f"  {n:6d} {kind:8s} {attr}")
    print("nodes whose lookup tables differ from block 0's:", dict(tables))
    names0 = [_strip(nl.node.name) for nl in ref]
    for l in layers:
        names = [_strip(nl.node.name) for nl in blocks[l]]
        if names != names0:
            print(f"block {l}: extra {[n for n in names if n not in names0]}, "
                  f"missing {[n for n in names0 if n not in names]}")


if __name__ == "__main__":
    main()
