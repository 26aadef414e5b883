"""Structured extraction: an LLM reads a text and answers with a JSON object that matches a JSON Schema.

The model gets the instruction and the schema as its system message and the text as the user message, and
is decoded under a grammar compiled from the schema (llama.cpp's JSON-schema-to-GBNF converter), so the
answer is always well-formed JSON with the schema's keys, types and enums. It is then validated with
``jsonschema`` for what a grammar does not enforce (number ranges, unique items, ...).

    schema = load_schema("person.json")
    extract(runtime, "Maria Lopez, 34, lives in Madrid.", schema)  # {"name": "Maria Lopez", "age": 34, ...}

From the shell: ``fmkit generate "Maria Lopez, 34, lives in Madrid." --json-schema person.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from fmkit.errors import ConfigError, DataError
from fmkit.llm.runtime import GenerationSettings, Message, Overflow, Runtime, fit_text

DEFAULT_INSTRUCTION = (
    "Extract the information in the user's text as one JSON object that follows the JSON schema below. "
    "Use only what the text states."
)

# Keywords the grammar converter drops silently although they change which objects are valid: a schema
# that uses them would let the grammar produce answers that then fail validation.
UNSUPPORTED = (
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "contains",
    "minContains",
    "maxContains",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "patternProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
)
_SCHEMA_MAPS = ("properties", "$defs", "definitions")  # keyword -> {name: subschema}
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")  # keyword -> [subschema, ...]
_SCHEMA_ONES = ("items", "additionalProperties")  # keyword -> subschema


@runtime_checkable
class SchemaRuntime(Runtime, Protocol):
    """A runtime that can constrain generation to JSON matching a schema (today: the llama.cpp engine)."""

    def stream_json(self, prompt: str, settings: GenerationSettings, schema: Mapping[str, Any]) -> Iterator[str]:
        """Generated text that is always a prefix of JSON matching ``schema``; whole JSON unless cut at max_tokens."""
        ...


def load_schema(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A JSON Schema (a file path or a mapping) checked to be valid and usable for extraction.

    Raises ``ConfigError`` for a missing or non-JSON file, an invalid schema (naming the path in it), a root
    that is not an object, or a construct the grammar cannot enforce.
    """
    schema = _read(Path(source)) if isinstance(source, str | Path) else dict(source)
    _check_valid(schema)
    if schema.get("type") != "object":
        raise ConfigError(
            f'extraction answers with a JSON object, so the schema\'s root needs "type": "object"; '
            f"found {json.dumps(schema.get('type'))}"
        )
    problems = list(_unsupported(schema, "$"))
    if problems:
        raise ConfigError(problems)
    from fmkit.llm.llamacpp import json_grammar

    json_grammar(schema)  # what the converter itself rejects (remote $ref, unanchored pattern, ...)
    return schema


def extract(
    runtime: Runtime,
    text: str,
    schema: str | Path | Mapping[str, Any],
    instruction: str = DEFAULT_INSTRUCTION,
    settings: GenerationSettings | None = None,
    overflow: Overflow = "error",
) -> dict[str, Any]:
    """The JSON object ``runtime`` extracts from ``text``, matching ``schema`` (see ``load_schema``).

    Decoding is grammar-constrained, so the answer always parses; ``overflow='truncate'`` keeps the start of a
    text too long for the context. Raises ``ConfigError`` when the engine has no grammar support or
    ``settings.max_tokens`` runs out before the object closes, ``DataError`` when the answer breaks a
    constraint the grammar does not enforce (e.g. ``minimum``). ``settings`` default: greedy, 256 tokens.
    """
    settings = settings or GenerationSettings()
    if not isinstance(runtime, SchemaRuntime):
        raise ConfigError(
            f"grammar-constrained extraction needs the llama.cpp engine (a GGUF model); the {runtime.engine} "
            "engine has no grammar support here: pass a GGUF model with engine 'auto' or 'llama.cpp'"
        )
    if settings.stop:
        raise ConfigError(f"stop sequences {list(settings.stop)} would cut the JSON short; extract without stop")
    if not text.strip():
        raise DataError("the text to extract from is empty; pass the text that holds the information")
    schema = load_schema(schema)
    prompt = _prompt(runtime, text, schema, instruction, settings.max_tokens, overflow)
    return _parse("".join(runtime.stream_json(prompt, settings, schema)), schema, settings.max_tokens)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        found = "is a directory" if path.is_dir() else "does not exist"
        raise ConfigError(f"JSON schema file {path} {found}; pass the path of a .json file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"JSON schema file {path} is not UTF-8 text; save it as UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"JSON schema file {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; "
            "fix the file"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"JSON schema file {path} must hold a JSON object (a schema), found {type(data).__name__}")
    return data


def _check_valid(schema: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ConfigError(
            f"the JSON schema is invalid at {exc.json_path}: {exc.message} (JSON Schema draft 2020-12, "
            f"keyword {exc.validator!r} of the meta-schema); fix that part of the schema"
        ) from None


def _unsupported(node: Any, path: str) -> Iterator[str]:
    """Problems with the constructs of ``node`` (a subschema at JSON path ``path``) and of its subschemas."""
    if not isinstance(node, dict):
        return  # a boolean schema
    for keyword in UNSUPPORTED:
        if keyword in node:
            yield f"{path}.{keyword}: grammar-constrained decoding cannot enforce {keyword!r}; remove it"
    ref, pattern = node.get("$ref"), node.get("pattern")
    if isinstance(ref, str) and not ref.startswith("#"):
        yield f"{path}.$ref {ref!r}: only references inside the schema ('#/$defs/...') work; inline that schema"
    if isinstance(pattern, str) and not (pattern.startswith("^") and pattern.endswith("$")):
        yield f"{path}.pattern {pattern!r}: the grammar needs a whole-string pattern; anchor it as '^...$'"
    if "enum" in node and not node["enum"]:
        yield f"{path}.enum is empty, so no value can match it; list at least one value"
    if not all(isinstance(part, dict) and ("properties" in part or "$ref" in part) for part in node.get("allOf", [])):
        yield f"{path}.allOf: the grammar only merges object parts with 'properties'; merge them into one schema"
    for keyword in _SCHEMA_MAPS:
        for name, sub in node.get(keyword, {}).items():
            yield from _unsupported(sub, f"{path}.{keyword}.{name}")
    for keyword in _SCHEMA_LISTS:
        for i, sub in enumerate(node.get(keyword, [])):
            yield from _unsupported(sub, f"{path}.{keyword}[{i}]")
    for keyword in _SCHEMA_ONES:
        if keyword in node:
            yield from _unsupported(node[keyword], f"{path}.{keyword}")


def _prompt(
    runtime: Runtime, text: str, schema: dict[str, Any], instruction: str, max_tokens: int, overflow: Overflow
) -> str:
    """The chat prompt: instruction and schema as the system message, ``text`` (fitted) as the user message."""
    system: Message = {"role": "system", "content": f"{instruction}\nJSON schema: {json.dumps(schema)}"}
    scaffold = len(runtime.tokenize(runtime.chat(_messages(system, ""))))
    budget = runtime.n_ctx - max_tokens - 1 - scaffold  # 1: the BOS token
    return runtime.chat(_messages(system, fit_text(runtime, text, budget, overflow, "text")))


def _messages(system: Message, text: str) -> Sequence[Message]:
    return [system, {"role": "user", "content": text}]


def _parse(answer: str, schema: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    """The answer as an object, or why not: cut short by max_tokens, or breaking a constraint."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    try:
        data = json.loads(answer)
    except json.JSONDecodeError:  # the grammar only lets the model stop once the object is whole
        raise ConfigError(
            f"the model used all {max_tokens} tokens (max_tokens) before the JSON object closed (it ends with "
            f"{answer[-30:]!r}); raise max_tokens (--max-tokens) so the whole object fits"
        ) from None
    error = best_match(Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        raise DataError(
            f"the model's JSON breaks the schema at {error.json_path}: {error.message}; the grammar enforces keys, "
            f"types and enums but not {error.validator!r}: try another seed or a larger model, or relax the schema"
        )
    if not isinstance(data, dict):  # load_schema requires an object root
        raise DataError(f"expected a JSON object from the model, got {type(data).__name__}")
    return data
