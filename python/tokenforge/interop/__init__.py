"""Interoperability with other tokenizer libraries.

- `huggingface`: `tokenizer.json` export (for `tokenizers` and `transformers`) and import of byte-level BPE.
- `tiktoken`: `.tiktoken` rank files, export and import.
- `bytelevel`: GPT-2's byte-level alphabet used by `tokenizer.json` vocabularies.

`Tokenizer.save_huggingface`, `from_huggingface`, `save_tiktoken` and `from_tiktoken` call these modules.
"""
