"""Post-processors: what `encode(..., add_special_tokens=True)` puts around the ids of a text or a pair of texts
(Hugging Face's `TemplateProcessing`), and the roles of special tokens (`bos_token`, `pad_token`, ...) that
`transformers` reads from `tokenizer_config.json`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tokenforge.errors import ConfigError

#: The roles `transformers` gives special tokens (its `SPECIAL_TOKENS_ATTRIBUTES`, less the additional ones).
ROLES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")

#: A template item: `"$A"`, `"$B"` (the texts) or a token's text, with its type id.
Piece = tuple[str, int]


def parse_template(template: str | Sequence[str]) -> list[Piece]:
    """Hugging Face's template syntax: items separated by spaces, each `$A`, `$B` (also `$a`, `$b`, `$` for
    `$A`, `$N` for `$A` with type id N) or a token, with an optional `:type_id`."""
    items = template.split() if isinstance(template, str) else list(template)
    pieces = []
    for item in items:
        name, _, type_id = item.partition(":")
        if type_id and not type_id.isdigit() or not name:
            raise ConfigError(f"template item {item!r} is not NAME or NAME:TYPE_ID")
        kind = int(type_id) if type_id else 0
        if name.startswith("$"):
            rest = name[1:]
            if rest.isdigit():
                name, kind = "$A", int(rest)
            elif rest.upper() in ("", "A", "B"):
                name = "$" + (rest.upper() or "A")
            else:
                raise ConfigError(f"template item {item!r}: a sequence is $A or $B")
        pieces.append((name, kind))
    return pieces


def format_template(pieces: Sequence[Piece]) -> str:
    """The template as Hugging Face's string syntax (type ids written when not 0)."""
    return " ".join(name if kind == 0 else f"{name}:{kind}" for name, kind in pieces)


@dataclass(frozen=True)
class Template:
    """`single` is what one text becomes, `pair` what two become (`"$A"` and `"$B"` are their ids; other items
    are tokens). Without `pair`, a pair gets `single` around each text, the second one with type id 1."""

    single: tuple[Piece, ...]
    pair: tuple[Piece, ...]

    @classmethod
    def of(cls, single: str | Sequence[str], pair: str | Sequence[str] | None = None) -> Template:
        """A template in Hugging Face's syntax, e.g. `Template.of("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1")`."""
        return cls.from_pieces(parse_template(single), None if pair is None else parse_template(pair))

    @classmethod
    def from_pieces(cls, single: Sequence[Piece], pair: Sequence[Piece] | None = None) -> Template:
        """A template of `(name, type_id)` items; without `pair`, `single` around each text, the second with
        type id 1."""
        one = [(str(n), int(k)) for n, k in single]
        if [n for n, _ in one if n.startswith("$")] != ["$A"]:
            raise ConfigError(f"the single template {format_template(one)!r} must hold $A once (and no $B)")
        two = (
            one + [("$B" if n == "$A" else n, 1) for n, _ in one]
            if pair is None
            else [(str(n), int(k)) for n, k in pair]
        )
        if sorted(n for n, _ in two if n.startswith("$")) != ["$A", "$B"]:
            raise ConfigError(f"the pair template {format_template(two)!r} must hold $A and $B once each")
        return cls(tuple(one), tuple(two))

    @classmethod
    def bos_eos(cls, bos: str | None = None, eos: str | None = None) -> Template:
        """`bos $A eos` for one text and `bos $A eos bos $B:1 eos` for two (Llama's `add_bos_token` /
        `add_eos_token`); either may be None."""
        if bos is None and eos is None:
            raise ConfigError("a bos/eos template needs a bos or an eos token")
        one = [*([bos] if bos else []), "$A", *([eos] if eos else [])]
        return cls.from_pieces([(n, 0) for n in one])

    @classmethod
    def bert(cls, cls_token: str = "[CLS]", sep_token: str = "[SEP]") -> Template:
        """BERT's `[CLS] $A [SEP]` and `[CLS] $A [SEP] $B:1 [SEP]:1` (Hugging Face's `BertProcessing`)."""
        return cls.of(f"{cls_token} $A {sep_token}", f"{cls_token} $A {sep_token} $B:1 {sep_token}:1")

    @classmethod
    def roberta(cls, bos: str = "<s>", eos: str = "</s>") -> Template:
        """RoBERTa's `<s> $A </s>` and `<s> $A </s> </s> $B </s>`, every type id 0 (`RobertaProcessing`)."""
        return cls.of(f"{bos} $A {eos}", f"{bos} $A {eos} {eos} $B {eos}")

    def tokens(self) -> list[str]:
        """The tokens the templates add, each once, in order of appearance."""
        return list(dict.fromkeys(n for n, _ in (*self.single, *self.pair) if not n.startswith("$")))

    def added(self, pair: bool) -> int:
        """How many ids the template adds."""
        return sum(not n.startswith("$") for n, _ in (self.pair if pair else self.single))

    def apply(
        self, token_id: Callable[[str], int], a: list[int], b: list[int] | None = None
    ) -> tuple[list[int], list[int]]:
        """`(ids, type_ids)` of the template around the ids `a` (and `b`); `token_id` maps a token to its id."""
        ids: list[int] = []
        types: list[int] = []
        for name, kind in self.single if b is None else self.pair:
            part = a if name == "$A" else b if name == "$B" else [token_id(name)]
            ids += part
            types += [kind] * len(part)
        return ids, types

    def to_dict(self) -> dict:
        """The `"post_processor"` of tokenforge.json."""
        return {"type": "template", "single": format_template(self.single), "pair": format_template(self.pair)}

    @classmethod
    def from_dict(cls, data: dict) -> Template:
        return cls.of(data["single"], data["pair"])
