"""Transcript labels of the Basefold opening, in the order the opening uses them (prover and verifier)."""

PARAMS = "pcs/params"                       # absorbed by PcsParams.absorb
SPLIT_VALUES = "pcs/split/values"
REDUCE_ALPHA = "pcs/reduce/alpha"
REDUCE_ROUND = "pcs/reduce/round"
REDUCE_CHALLENGE = "pcs/reduce/challenge"
REDUCE_VALUES = "pcs/reduce/values"
BETA = "pcs/beta"
FOLD_ROUND = "pcs/fold/round"
FOLD_CHALLENGE = "pcs/fold/challenge"
FOLD_ROOT = "pcs/fold/root"
FINAL = "pcs/final"
QUERIES = "pcs/queries"
