"""Tokenization models, one module per family."""
