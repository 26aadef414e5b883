"""Structured extraction on the bundled SmolLM2 (llama.cpp): always schema-valid JSON, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from fmkit.catalog import ModelCard
from fmkit.errors import ConfigError, DataError
from fmkit.llm.extract import extract, load_schema
from fmkit.llm.runtime import GenerationSettings, open_runtime

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "city": {"type": "string"}},
    "required": ["name", "age", "city"],
}
PEOPLE = [
    "Maria Lopez is 34 years old and lives in Madrid.",
    "Tom, a 52-year-old teacher from Chicago, won the prize.",
    "Aiko Tanaka (age 27) moved to Osaka last spring.",
]
ORDER = "Order from Jane Doe (jane@example.com): 2 red mugs and 1 teapot. Delivery was late and I am unhappy."


def _sampled(seed: int) -> GenerationSettings:
    return GenerationSettings(max_tokens=96, temperature=0.8, seed=seed)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("text", PEOPLE)
def test_sampled_extraction_always_matches_the_schema(smollm2: Any, text: str, seed: int) -> None:
    data = extract(smollm2, text, PERSON, settings=_sampled(seed))
    Draft202012Validator(PERSON).validate(data)
    assert set(data) == {"name", "age", "city"}
    assert isinstance(data["name"], str) and isinstance(data["city"], str)
    assert isinstance(data["age"], int) and not isinstance(data["age"], bool)


def test_greedy_extraction_mostly_finds_the_names(smollm2: Any) -> None:
    found = [extract(smollm2, text, PERSON)["name"] for text in PEOPLE]
    # a 135M model may miss one; most names it extracts come from the text
    assert sum(bool(name) and name.split()[0] in text for name, text in zip(found, PEOPLE, strict=True)) >= 2


@pytest.mark.parametrize("seed", [0, 1])
def test_enum_fields_take_only_listed_values(smollm2: Any, seed: int) -> None:
    topics, moods = ["billing", "shipping", "technical"], ["positive", "negative", "neutral"]
    schema = {
        "type": "object",
        "properties": {"topic": {"type": "string", "enum": topics}, "sentiment": {"enum": moods}},
        "required": ["topic", "sentiment"],
    }
    data = extract(smollm2, ORDER, schema, settings=_sampled(seed))
    assert data["topic"] in topics and data["sentiment"] in moods


@pytest.mark.parametrize("seed", [0, 1])
def test_nested_objects_and_arrays_keep_their_structure(smollm2: Any, seed: int) -> None:
    item = {
        "type": "object",
        "properties": {"product": {"type": "string"}, "quantity": {"type": "integer"}},
        "required": ["product", "quantity"],
    }
    schema = {
        "type": "object",
        "properties": {
            "customer": {"$ref": "#/$defs/customer"},
            "items": {"type": "array", "items": item, "minItems": 1, "maxItems": 3},
        },
        "required": ["customer", "items"],
        "$defs": {
            "customer": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                "required": ["name", "email"],
            }
        },
    }
    data = extract(smollm2, ORDER, schema, settings=_sampled(seed))
    Draft202012Validator(schema).validate(data)
    assert isinstance(data["customer"]["name"], str) and isinstance(data["customer"]["email"], str)
    assert 1 <= len(data["items"]) <= 3
    assert all(isinstance(i["product"], str) and isinstance(i["quantity"], int) for i in data["items"])


def test_a_schema_file_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "person.json"
    path.write_text(json.dumps(PERSON), encoding="utf-8")
    assert load_schema(path) == PERSON == load_schema(str(path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{\n  "type": "object",\n  "properties": {,}\n}', "is not valid JSON: Expecting property name"),
        ('{\n  "type": "object",\n  "required": ["a",]\n}', "Expecting value at line 3, column 20; fix the file"),
        ("[1, 2]", "must hold a JSON object (a schema), found list"),
        (json.dumps({**PERSON, "properties": {"age": {"type": "int"}}}), "invalid at $.properties.age.type"),
        (json.dumps({**PERSON, "required": "name"}), "invalid at $.required: 'name' is not of type 'array'"),
    ],
)
def test_a_bad_schema_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "schema.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_schema(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_missing_schema_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.json does not exist"):
        load_schema(tmp_path / "nope.json")


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "array", "items": {"type": "string"}}, 'root needs "type": "object"; found "array"'),
        ({"type": "object", "properties": {"a": {"not": {"type": "string"}}}}, "$.properties.a.not: grammar"),
        ({"type": "object", "properties": {"if": {"type": "string"}}, "if": {}}, "$.if: grammar-constrained"),
        ({"type": "object", "properties": {"a": {"enum": []}}}, "$.properties.a.enum is empty"),
        ({"type": "object", "properties": {"a": {"$ref": "https://x.org/a.json"}}}, "only references inside"),
        ({"type": "object", "properties": {"a": {"type": "string", "pattern": "[0-9]+"}}}, "anchor it as '^...$'"),
        ({"type": "object", "allOf": [{"type": "string"}]}, "$.allOf: the grammar only merges object parts"),
    ],
)
def test_constructs_the_grammar_cannot_enforce_are_refused(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_schema(schema)
    assert message in str(info.value)


def test_running_out_of_tokens_is_an_error_never_partial_json(smollm2: Any) -> None:
    with pytest.raises(ConfigError, match=r"used all 6 tokens .* raise max_tokens \(--max-tokens\)"):
        extract(smollm2, PEOPLE[0], PERSON, settings=GenerationSettings(max_tokens=6))


def test_constraints_beyond_the_grammar_are_still_validated(smollm2: Any) -> None:
    schema = {"type": "object", "properties": {"age": {"type": "integer", "minimum": 200}}, "required": ["age"]}
    with pytest.raises(DataError, match=r"breaks the schema at \$\.age: .* not 'minimum'"):
        extract(smollm2, PEOPLE[0], schema)


def test_bad_calls_are_refused_before_generating(smollm2: Any) -> None:
    with pytest.raises(ConfigError, match="would cut the JSON short"):
        extract(smollm2, PEOPLE[0], PERSON, settings=GenerationSettings(stop=("}",)))
    with pytest.raises(DataError, match="the text to extract from is empty"):
        extract(smollm2, "  ", PERSON)
    with pytest.raises(DataError, match="fit in the 4096-token context"):
        extract(smollm2, "word " * 5000, PERSON)


def test_the_transformers_engine_says_it_needs_llama_cpp(tiny_llms: dict[str, Path]) -> None:
    card = ModelCard(id="tiny", family="decoder", source="local", location=str(tiny_llms["llama"]))
    runtime = open_runtime(card, tiny_llms["llama"])
    with pytest.raises(ConfigError, match=r"needs the llama.cpp engine \(a GGUF model\)"):
        extract(runtime, PEOPLE[0], PERSON)
