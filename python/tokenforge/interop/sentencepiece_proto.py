"""sentencepiece's model file schema (`sentencepiece_model.proto`, package `sentencepiece`), built in code.

The `.model` file of sentencepiece is a serialized `ModelProto`. Rather than ship generated `_pb2` code, the
schema is written here as tables (message → fields) and turned into a descriptor with the `protobuf`
package; field names, numbers, types and defaults are sentencepiece's (Apache-2.0, see
`sentencepiece_proto.NOTICE` beside this file). Fields this table does not name (newer sentencepiece
versions, `self_test_data`) survive a read → write round trip as protobuf unknown fields.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE = "sentencepiece"

#: Piece types (`ModelProto.SentencePiece.Type`).
PIECE_TYPES = {"NORMAL": 1, "UNKNOWN": 2, "CONTROL": 3, "USER_DEFINED": 4, "BYTE": 6, "UNUSED": 5}
#: Model types (`TrainerSpec.ModelType`).
MODEL_TYPES = {"UNIGRAM": 1, "BPE": 2, "WORD": 3, "CHAR": 4}

# (name, number, type, default or None); a type ending in "*" is repeated.
TRAINER_SPEC = [
    ("input", 1, "string*", None),
    ("input_format", 7, "string", None),
    ("model_prefix", 2, "string", None),
    ("model_type", 3, ".sentencepiece.TrainerSpec.ModelType", "UNIGRAM"),
    ("vocab_size", 4, "int32", "8000"),
    ("accept_language", 5, "string*", None),
    ("self_test_sample_size", 6, "int32", "0"),
    ("character_coverage", 10, "float", "0.9995"),
    ("input_sentence_size", 11, "uint64", "0"),
    ("shuffle_input_sentence", 19, "bool", "true"),
    ("mining_sentence_size", 12, "int32", None),
    ("training_sentence_size", 13, "int32", None),
    ("seed_sentencepiece_size", 14, "int32", "1000000"),
    ("shrinking_factor", 15, "float", "0.75"),
    ("max_sentence_length", 18, "int32", "4192"),
    ("num_threads", 16, "int32", "16"),
    ("num_sub_iterations", 17, "int32", "2"),
    ("max_sentencepiece_length", 20, "int32", "16"),
    ("split_by_unicode_script", 21, "bool", "true"),
    ("split_by_number", 23, "bool", "true"),
    ("split_by_whitespace", 22, "bool", "true"),
    ("treat_whitespace_as_suffix", 24, "bool", "false"),
    ("allow_whitespace_only_pieces", 26, "bool", "false"),
    ("split_digits", 25, "bool", "false"),
    ("pretokenization_delimiter", 53, "string", ""),
    ("control_symbols", 30, "string*", None),
    ("user_defined_symbols", 31, "string*", None),
    ("required_chars", 36, "string", None),
    ("byte_fallback", 35, "bool", "false"),
    ("vocabulary_output_piece_score", 32, "bool", "true"),
    ("hard_vocab_limit", 33, "bool", "true"),
    ("use_all_vocab", 34, "bool", "false"),
    ("unk_id", 40, "int32", "0"),
    ("bos_id", 41, "int32", "1"),
    ("eos_id", 42, "int32", "2"),
    ("pad_id", 43, "int32", "-1"),
    ("unk_piece", 45, "string", "<unk>"),
    ("bos_piece", 46, "string", "<s>"),
    ("eos_piece", 47, "string", "</s>"),
    ("pad_piece", 48, "string", "<pad>"),
    ("unk_surface", 44, "string", " \u2047 "),
    ("train_extremely_large_corpus", 49, "bool", "false"),
    ("enable_differential_privacy", 50, "bool", "false"),
    ("differential_privacy_noise_level", 51, "float", "0"),
    ("differential_privacy_clipping_threshold", 52, "uint64", "0"),
    ("seed_sentencepieces_file", 54, "string", ""),
    ("auto_character_coverage", 55, "bool", "false"),
]
NORMALIZER_SPEC = [
    ("name", 1, "string", None),
    ("precompiled_charsmap", 2, "bytes", None),
    ("add_dummy_prefix", 3, "bool", "true"),
    ("remove_extra_whitespaces", 4, "bool", "true"),
    ("escape_whitespaces", 5, "bool", "true"),
    ("normalization_rule_tsv", 6, "string", None),
]
SENTENCE_PIECE = [
    ("piece", 1, "string", None),
    ("score", 2, "float", None),
    ("type", 3, ".sentencepiece.ModelProto.SentencePiece.Type", "NORMAL"),
]
MODEL_PROTO = [
    ("pieces", 1, ".sentencepiece.ModelProto.SentencePiece*", None),
    ("trainer_spec", 2, ".sentencepiece.TrainerSpec", None),
    ("normalizer_spec", 3, ".sentencepiece.NormalizerSpec", None),
    ("denormalizer_spec", 5, ".sentencepiece.NormalizerSpec", None),
]

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "string": _F.TYPE_STRING,
    "bytes": _F.TYPE_BYTES,
    "bool": _F.TYPE_BOOL,
    "float": _F.TYPE_FLOAT,
    "int32": _F.TYPE_INT32,
    "uint64": _F.TYPE_UINT64,
}
_ENUMS = {".sentencepiece.TrainerSpec.ModelType", ".sentencepiece.ModelProto.SentencePiece.Type"}


def _message(name: str, fields: list, enums: dict[str, dict[str, int]] | None = None) -> descriptor_pb2.DescriptorProto:
    msg = descriptor_pb2.DescriptorProto(name=name)
    msg.extension_range.add(start=200, end=536870912)
    for enum_name, values in (enums or {}).items():
        enum = msg.enum_type.add(name=enum_name)
        for value_name, number in values.items():
            enum.value.add(name=value_name, number=number)
    for field_name, number, kind, default in fields:
        repeated = kind.endswith("*")
        kind = kind.rstrip("*")
        field = msg.field.add(name=field_name, number=number)
        field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
        if kind in _SCALARS:
            field.type = _SCALARS[kind]
        else:
            field.type = _F.TYPE_ENUM if kind in _ENUMS else _F.TYPE_MESSAGE
            field.type_name = kind
        if default is not None:
            field.default_value = default
    return msg


def _file() -> descriptor_pb2.FileDescriptorProto:
    f = descriptor_pb2.FileDescriptorProto(name="tokenforge/sentencepiece_model.proto", package=PACKAGE)
    f.syntax = "proto2"
    f.options.optimize_for = descriptor_pb2.FileOptions.LITE_RUNTIME
    f.message_type.append(_message("TrainerSpec", TRAINER_SPEC, {"ModelType": MODEL_TYPES}))
    f.message_type.append(_message("NormalizerSpec", NORMALIZER_SPEC))
    model = _message("ModelProto", MODEL_PROTO)
    model.nested_type.append(_message("SentencePiece", SENTENCE_PIECE, {"Type": PIECE_TYPES}))
    f.message_type.append(model)
    return f


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_file())
#: The message class of a `.model` file.
ModelProto = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{PACKAGE}.ModelProto"))
