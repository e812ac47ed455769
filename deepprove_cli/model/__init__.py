"""Models: GGUF import, architecture configs, the .dpm artifact, tokenizers and the float reference."""
