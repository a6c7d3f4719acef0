"""WordPiece (BERT): greedy longest-match-first with a continuing-subword prefix (`##`) and an unknown token.

Encoding runs in `crates/tokenforge-core/src/model/wordpiece/model.rs`; the vocabulary is learned by the BPE
trainer with the prefix (`tokenforge.training.wordpiece`), as Hugging Face's `WordPieceTrainer` does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokenforge import _core
from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.models.base import Model
from tokenforge.processors import Template

#: BERT's special tokens, in their usual order.
BERT_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
#: Their roles (as `transformers`' `BertTokenizerFast` names them).
BERT_ROLES = dict(zip(("pad_token", "unk_token", "cls_token", "sep_token", "mask_token"), BERT_SPECIALS))
#: Hugging Face's WordPiece decoder tidies these joins (its `cleanup=True`).
CLEANUP = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" do not", " don't"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)


def bert_extras(special_tokens: Sequence[str]) -> dict:
    """The `post_processor` and `roles` BERT's tokenizers give a WordPiece vocabulary with these special tokens:
    `[CLS] $A [SEP]` when both are there (`BertWordPieceTokenizer(vocab)`, `BertTokenizerFast`), and the roles of
    those of BERT's five it has."""
    template = Template.bert() if {"[CLS]", "[SEP]"} <= set(special_tokens) else None
    return {"post_processor": template, "roles": {r: t for r, t in BERT_ROLES.items() if t in special_tokens}}


@dataclass
class WordPieceModel(Model):
    """The unknown token (a special token of the tokenizer), the prefix of word-continuing tokens, and the
    longest word (in characters) that is not simply unknown."""

    unk_token: str = "[UNK]"
    prefix: str = "##"
    max_input_chars_per_word: int = 100
    type = "wordpiece"

    def core(self, vocab: Sequence[bytes], special_tokens: dict[str, int]) -> _core.WordPieceModel:
        unk = special_tokens.get(self.unk_token)
        if unk is None:
            raise ConfigError(f"the unknown token {self.unk_token!r} is not a special token of this tokenizer")
        return _core.WordPieceModel(unk, self.prefix, self.max_input_chars_per_word)

    def facts(self) -> list[tuple[str, str]]:
        return [
            ("continuation prefix", repr(self.prefix)),
            ("unknown token", self.unk_token),
            ("longest word", f"{self.max_input_chars_per_word:,} characters (longer: unknown)"),
        ]

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "unk_token": self.unk_token,
            "prefix": self.prefix,
            "max_input_chars_per_word": self.max_input_chars_per_word,
        }

    @classmethod
    def from_dict(cls, data: dict, source: str) -> WordPieceModel:
        try:
            return cls(str(data["unk_token"]), str(data["prefix"]), int(data["max_input_chars_per_word"]))
        except (KeyError, TypeError, ValueError) as e:
            raise TokenizerFileError(f"{source}: corrupt WordPiece model ({type(e).__name__}: {e})") from None

    def spell(self, token: bytes) -> str:
        return token.decode("utf-8", errors="replace")

    def unspell(self, text: str) -> bytes:
        return text.encode()

    def decode(self, tok, ids: list[int], errors: str) -> str:
        """Hugging Face's WordPiece decoder: continuing tokens glued on, others after a space, each tidied."""
        out = []
        for k, i in enumerate(ids):
            text = tok.token_bytes(i).decode("utf-8", errors=errors)
            if k:
                text = text[len(self.prefix) :] if text.startswith(self.prefix) else " " + text
            for dirty, clean in CLEANUP:
                text = text.replace(dirty, clean)
            out.append(text)
        return "".join(out)
