"""The question bank: templates and their schema, YAML with positions, sandboxed text, variants and
their answers, validation (against Keras and PyTorch too)."""
