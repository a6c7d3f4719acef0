"""The `post_processor` of `tokenizer.json`: our `Template` as Hugging Face's `TemplateProcessing`, and back from
`TemplateProcessing`, `BertProcessing`, `RobertaProcessing` (ids only: their offset trimming is not kept),
`ByteLevel` (offsets only: nothing to keep) or a `Sequence` of those."""

from __future__ import annotations

from collections.abc import Callable

from tokenforge.errors import ConfigError
from tokenforge.processors import Piece, Template


def template_json(template: Template, token_id: Callable[[str], int | None]) -> dict:
    """`TemplateProcessing` for `template` (`token_id` gives each token's id)."""

    def items(pieces: tuple[Piece, ...]) -> list[dict]:
        return [
            {"Sequence": {"id": name[1], "type_id": kind}}
            if name.startswith("$")
            else {"SpecialToken": {"id": name, "type_id": kind}}
            for name, kind in pieces
        ]

    tokens = {name: {"id": name, "ids": [token_id(name)], "tokens": [name]} for name in template.tokens()}
    return {
        "type": "TemplateProcessing",
        "single": items(template.single),
        "pair": items(template.pair),
        "special_tokens": tokens,
    }


class ProcessorReader:
    """Reads a `post_processor`; `fail(what)` makes the error for one we cannot read, `token_id` gives our id of
    a token's text."""

    def __init__(self, fail: Callable[[str], Exception], token_id: Callable[[str], int | None]) -> None:
        self.fail = fail
        self.token_id = token_id

    def read(self, spec: object) -> Template | None:
        """The template of a `post_processor` (None when it adds no tokens)."""
        if spec is None:
            return None
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind == "Sequence":
            steps = spec.get("processors")
            templates = [t for t in map(self.read, steps if isinstance(steps, list) else [0]) if t is not None]
            if len(templates) > 1:
                raise self.fail("post_processor Sequence with several templates")
            return templates[0] if templates else None
        if kind == "ByteLevel":
            return None
        if kind in ("BertProcessing", "RobertaProcessing"):
            cls_token, sep_token = (self.token(spec.get(key)) for key in ("cls", "sep"))
            make = Template.bert if kind == "BertProcessing" else Template.roberta
            return make(cls_token, sep_token)
        if kind == "TemplateProcessing":
            return self.template(spec)
        raise self.fail(f"post_processor {kind!r}")

    def token(self, entry: object) -> str:
        """The text of a `[text, id]` entry, checked against our id of that text."""
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
            raise self.fail(f"post_processor token {entry!r} (expected [text, id])")
        if self.token_id(entry[0]) != entry[1]:
            raise self.fail(f"post_processor token {entry[0]!r} with id {entry[1]!r} (the vocabulary says otherwise)")
        return entry[0]

    def template(self, spec: dict) -> Template:
        """A `TemplateProcessing`: its items, each special token one id of the same text in our vocabulary."""
        tokens = spec.get("special_tokens") or {}
        if not isinstance(tokens, dict):
            raise self.fail("TemplateProcessing special_tokens that are not an object")
        for name, entry in tokens.items():
            ids = entry.get("ids") if isinstance(entry, dict) else None
            if not isinstance(ids, list) or len(ids) != 1:
                raise self.fail(f"TemplateProcessing token {name!r} with ids {ids!r} (one id each is supported)")
            self.token([name, ids[0]])

        def pieces(items: object) -> list[Piece]:
            out = []
            for item in items if isinstance(items, list) else [None]:
                (key, body), *rest = item.items() if isinstance(item, dict) and item else [(None, None)]
                if rest or key not in ("Sequence", "SpecialToken") or not isinstance(body, dict):
                    raise self.fail(f"TemplateProcessing item {item!r}")
                name = "$" + str(body.get("id")) if key == "Sequence" else str(body.get("id"))
                if key == "SpecialToken" and name not in tokens:
                    raise self.fail(f"TemplateProcessing token {name!r} missing from its special_tokens")
                out.append((name, body.get("type_id", 0)))
            return out

        try:
            return Template.from_pieces(pieces(spec.get("single")), pieces(spec.get("pair")))
        except (ConfigError, TypeError, ValueError) as e:
            raise self.fail(f"TemplateProcessing ({e})") from None
