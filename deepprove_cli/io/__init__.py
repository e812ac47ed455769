"""Artifact containers and strict binary encodings (never pickle: a stranger's file must not run code)."""
