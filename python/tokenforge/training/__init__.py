"""Vocabulary learners: each turns a corpus into a `Tokenizer`."""
