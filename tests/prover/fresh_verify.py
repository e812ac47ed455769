"""Verify a sequence proof in a fresh process (imports no prover module) and report what got loaded."""

import json
import sys

from deepprove_cli.verifier import verify_sequence
from deepprove_cli.verifier.key import key_from_model
from tests.prover.hand_models import mlp_model

PROVER_MODULES = ("deepprove_cli.prover", "deepprove_cli.prover.flow", "deepprove_cli.prover.witness",
                  "deepprove_cli.sumcheck.prover", "deepprove_cli.sumcheck.product_kernels",
                  "deepprove_cli.sumcheck.kernels", "deepprove_cli.sumcheck.eq_prover", "deepprove_cli.relations.fold",
                  "deepprove_cli.lookup.logup", "deepprove_cli.lookup.gkr_prover", "deepprove_cli.lookup.multiplicity",
                  "deepprove_cli.pcs.basefold.prover", "deepprove_cli.pcs.basefold.commit_phase")


def main(path: str) -> None:
    with open(path) as f:
        doc = json.load(f)
    rep = verify_sequence(key_from_model(mlp_model()), doc["statement"], bytes.fromhex(doc["proof"]))
    print(json.dumps({"valid": rep.valid, "loaded": [m for m in PROVER_MODULES if m in sys.modules]}))
