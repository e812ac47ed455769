"""Relations composed as a tiny layer, proven and verified through one transcript, with the proof
bytes verified in a fresh process that must not import any prover module.

    Y = X W^T (Einsum) ; Z = Y + b (bias, LinComb) ; H = round(Z / 2^3) (Split) ; tokens = argmax H

The verifier walks from the output back: the lookup's claim on the argmax margins (simulated here,
as the lookup argument would produce it) -> claims on H (two, reduced to one) -> Z and limbs -> Y
and b -> X and W. The leaf claims are checked against the real tensors (the openings).
"""

import json
import os
import subprocess
import sys

import numpy as np

from deepprove_cli.io.binary import Reader, Writer
from deepprove_cli.relations import claims as cl
from deepprove_cli.relations.argmax import Argmax, argmax_int
from deepprove_cli.relations.einsum import Einsum
from deepprove_cli.relations.elementwise import LinComb
from deepprove_cli.relations.layout import Operand
from deepprove_cli.relations.proof import RelationProof
from deepprove_cli.relations.split import Split, SplitSpec
from deepprove_cli.transcript import Transcript

T, I, O = 3, 5, 6
PROVER_MODULES = ("deepprove_cli.sumcheck.prover", "deepprove_cli.sumcheck.product_kernels",
                  "deepprove_cli.sumcheck.kernels", "deepprove_cli.relations.fold")


def build(tokens):
    mm = Einsum("ti,oi->to", Operand("X", (T, I)), Operand("W", (O, I)), "Y")
    bias = LinComb(Operand("Z", (T, O)), [(1, Operand("Y", (T, O))), (1, Operand("b", (O,)))])
    split = Split(Operand("Z", (T, O)), "H", SplitSpec(3, True))
    am = Argmax(Operand("H", (T, O)), tokens, 10)
    return mm, bias, split, am


def witness(rng):
    X, W, b = (rng.integers(-8, 8, size=s) for s in ((T, I), (O, I), (O,)))
    v = {"X": X, "W": W, "b": b}
    mm, bias, split, _ = build(np.zeros(T, np.int64))
    v["Y"] = mm.evaluate(X, W)
    v["Z"] = bias.evaluate(v)
    v.update(split.witness(v["Z"]))
    tokens = argmax_int(v["H"])
    am = build(tokens)[3]
    v.update(am.witness(v["H"]))
    return tokens, v


def prove_all(tokens, v, margin_claim):
    mm, bias, split, am = build(tokens)
    tr = Transcript(b"pipeline")
    w = Writer()
    p, c = am.prove(v, tr, margin_claim)
    p.write(w)
    h_claims = [x for x in c if x.tensor == "H"]
    p, h = cl.prove_reduce(h_claims, Operand("H", (T, O)).layout.table(v["H"]), tr)
    p.write(w)
    p, c = split.prove(h, v, tr)
    p.write(w)
    leaves = [x for x in c if x.tensor != "Z"]
    p, c2 = bias.prove(next(x for x in c if x.tensor == "Z"), v, tr)
    p.write(w)
    leaves += [x for x in c2 if x.tensor != "Y"]
    p, c3 = mm.prove(next(x for x in c2 if x.tensor == "Y"), v, tr)
    p.write(w)
    return w.getvalue(), leaves + c3


def verify_all(tokens, data, margin_claim):
    """The verifier: public parameters, the margin claim and the proof bytes -> leaf claims."""
    mm, bias, split, am = build(tokens)
    tr = Transcript(b"pipeline")
    r = Reader(data)
    c = am.verify(RelationProof.read(r, am.proof_shape()), tr, margin_claim)
    h_claims = [x for x in c if x.tensor == "H"]
    h = cl.verify_reduce(h_claims, RelationProof.read(r, cl.reduce_shape(len(h_claims), am.logits.layout.num_vars)), tr)
    c = split.verify(h, RelationProof.read(r, split.proof_shape()), tr)
    leaves = [x for x in c if x.tensor != "Z"]
    c2 = bias.verify(next(x for x in c if x.tensor == "Z"), RelationProof.read(r, bias.proof_shape()), tr)
    leaves += [x for x in c2 if x.tensor != "Y"]
    c3 = mm.verify(next(x for x in c2 if x.tensor == "Y"), RelationProof.read(r, mm.proof_shape()), tr)
    r.finish()
    return leaves + c3


def _claim_json(c):
    return {"tensor": c.tensor, "point": c.point.tolist(), "value": c.value.tolist()}


def _claim_from(d):
    return cl.TensorClaim(d["tensor"], np.array(d["point"], np.uint32), np.array(d["value"], np.uint32))


def subprocess_main(path):
    with open(path) as f:
        doc = json.load(f)
    leaves = verify_all(np.array(doc["tokens"]), bytes.fromhex(doc["proof"]), _claim_from(doc["margin"]))
    loaded = [m for m in PROVER_MODULES if m in sys.modules]
    print(json.dumps({"leaves": [_claim_json(c) for c in leaves], "prover_modules": loaded}))


def test_pipeline_in_process_and_fresh_verifier(rng, tmp_path):
    from tests.relations.helpers import holds, random_claim, rejects

    tokens, v = witness(rng)
    margin = random_claim(rng, "H.margin", v["H.margin"])  # what the lookup argument would leave
    data, prover_leaves = prove_all(tokens, v, margin)
    leaves = verify_all(tokens, data, margin)
    assert sorted(c.tensor for c in leaves) == ["H.lo0", "W", "X", "b"]
    assert all(a.same(b) for a, b in zip(leaves, prover_leaves))
    assert all(holds(c, v[c.tensor]) for c in leaves)
    assert rejects(verify_all, tokens, data[:-1], margin)
    assert rejects(verify_all, tokens, data[:40] + bytes([data[40] ^ 1]) + data[41:], margin)

    path = tmp_path / "proof.json"
    path.write_text(json.dumps({"tokens": tokens.tolist(), "proof": data.hex(), "margin": _claim_json(margin)}))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", f"import tests.relations.test_pipeline as t; t.subprocess_main({str(path)!r})"],
                         capture_output=True, cwd=repo, timeout=600, text=True)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["prover_modules"] == []
    assert [_claim_from(d).tensor for d in doc["leaves"]] == [c.tensor for c in leaves]
    assert all(_claim_from(d).same(c) for d, c in zip(doc["leaves"], leaves))
