"""What a sequence proof's bytes are made of: per node kind, sumcheck rounds against sent values.

    python scripts/proof_anatomy.py demo/proof.bin

Verifies the proof (with the key it embeds) while counting, per node kind, the ops, the sumchecks and
their round bytes, and the prover-sent values; then each opening's breakdown (split values, point
reduction, fold rounds, query rows and paths). It prints whether the proof is valid: the counts of
an invalid proof stop where verification failed.
"""

from __future__ import annotations

import argparse
import collections


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("proof", help="a proof file written by dp prove")
    args = ap.parse_args()

    import deepprove_cli.pcs as pcs
    import deepprove_cli.relations.proof as relation_proof
    import deepprove_cli.verifier.flow as verifier_flow
    from deepprove_cli.io.proof_file import read_proof
    from deepprove_cli.model.vk import VerifyingKey
    from deepprove_cli.verifier import verify_sequence

    rounds, values, sumchecks, ops = (collections.Counter() for _ in range(4))
    current = ["(none)"]
    read = relation_proof.RelationProof.read.__func__

    def counting_read(cls, r, shape):
        p = read(cls, r, shape)
        for s in p.sumchecks:
            rounds[current[0]] += s.round_evals.size * 4
            sumchecks[current[0]] += 1
        values[current[0]] += len(p.values) * 16
        return p

    verify_node = verifier_flow.verify_node

    def counting_node(nl, pool, r, tr):
        current[0] = nl.node.kind
        ops[nl.node.kind] += len(nl.ops)
        verify_node(nl, pool, r, tr)

    openings = []
    verify_opening = pcs.verify_opening

    def counting_opening(com, claims, proof, tr, params):
        openings.append((len(claims), proof.size_breakdown()))
        return verify_opening(com, claims, proof, tr, params)

    relation_proof.RelationProof.read = classmethod(counting_read)
    verifier_flow.verify_node = counting_node
    pcs.verify_opening = counting_opening

    pf = read_proof(args.proof)
    report = verify_sequence(VerifyingKey.from_bytes(pf.vk, "vk"), pf.statement, pf.proof)
    print(f"valid: {report.valid}; proof {len(pf.proof)} bytes")
    print(f"{'node kind':10s} {'rounds KB':>10s} {'values KB':>10s} {'sumchecks':>10s} {'ops':>7s}")
    for k in sorted(ops, key=lambda k: -(rounds[k] + values[k])):
        print(f"{k:10s} {rounds[k] / 1e3:10.1f} {values[k] / 1e3:10.1f} {sumchecks[k]:10d} {ops[k]:7d}")
    print(f"{'all':10s} {sum(rounds.values()) / 1e3:10.1f} {sum(values.values()) / 1e3:10.1f} "
          f"{sum(sumchecks.values()):10d} {sum(ops.values()):7d}")
    for name, (claims, sizes) in zip(("advice", "weights"), openings):
        print(f"opening/{name}: {claims} claims, {sum(sizes.values())} bytes:", sizes)


if __name__ == "__main__":
    main()
