"""Interoperability with other tokenizer libraries.

- `huggingface`: `tokenizer.json` export (for `tokenizers` and `transformers`) and import of byte-level BPE and
  WordPiece.
- `bert`: BERT's `vocab.txt` (WordPiece), export and import.
- `tiktoken`: `.tiktoken` rank files, export and import.
- `bytelevel`: GPT-2's byte-level alphabet used by `tokenizer.json` vocabularies.

`Tokenizer.save_huggingface`, `from_huggingface`, `save_tiktoken`, `from_tiktoken`, `save_bert_vocab` and
`from_bert_vocab` call these modules.
"""
