"""``fmkit generate``: one answer from a decoder LLM, printed whole or streamed as it is generated.

With ``--json-schema`` the answer is a JSON object extracted from PROMPT under a grammar (``fmkit.llm.extract``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from fmkit.cli._output import emit_json, err


def generate(
    prompt: Annotated[str, typer.Argument(help="The instruction or question; '-' reads it from stdin.")],
    model: Annotated[str, typer.Option(help="Catalog id, local HF directory or .gguf file.")] = "smollm2-135m-instruct",
    system: Annotated[str | None, typer.Option(help="A system message (default: the model's own).")] = None,
    stream: Annotated[bool, typer.Option("--stream", help="Print the answer piece by piece as it comes.")] = False,
    max_tokens: Annotated[int, typer.Option(help="New tokens at most.")] = 256,
    temperature: Annotated[float, typer.Option(help="0 = greedy (deterministic); higher = more varied.")] = 0.0,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling mass (with --temperature > 0).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    stop: Annotated[list[str] | None, typer.Option(help="Stop before this string (repeatable).")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Send PROMPT as is, without the chat template.")] = False,
    engine: Annotated[str, typer.Option(help="auto (llama.cpp for GGUF) | llama.cpp | transformers.")] = "auto",
    n_ctx: Annotated[int | None, typer.Option(help="Context window in tokens (default: the model's, <= 4096).")] = None,
    overflow: Annotated[
        str, typer.Option(help="A prompt longer than the context: error | truncate (keep its start).")
    ] = "error",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: text, model, engine, tokens.")
    ] = False,
    json_schema: Annotated[
        Path | None,
        typer.Option(
            "--json-schema",
            help="Extract from PROMPT a JSON object matching this JSON Schema file and print it on one line "
            "(grammar-constrained, GGUF models; --system replaces the extraction instruction).",
        ),
    ] = None,
) -> None:
    """Generate an answer with an LLM (chat template applied, so instruct models answer the prompt).

    Example: fmkit generate "Summarize: the meeting moved to Friday." --stream
    Example: fmkit generate "Maria Lopez, 34, lives in Madrid." --json-schema person.json
    """
    from fmkit.catalog import Catalog, resolve
    from fmkit.config import bind
    from fmkit.errors import ConfigError
    from fmkit.llm.runtime import GenerationSettings, Message, fit_text, open_runtime

    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        raise ConfigError("the prompt is empty; pass some text (or '-' to read it from stdin)")
    if overflow not in ("error", "truncate"):
        raise ConfigError(f"--overflow must be error or truncate, got {overflow!r}")
    settings = bind(
        GenerationSettings,
        {"max_tokens": max_tokens, "temperature": temperature, "top_p": top_p, "seed": seed, "stop": tuple(stop or ())},
        where="generate",
    )
    schema = _extraction_schema(json_schema, stream, raw, stop) if json_schema is not None else None
    card = Catalog().get(model)
    runtime = open_runtime(card, resolve(card), engine, n_ctx)  # type: ignore[arg-type]
    room = runtime.n_ctx - settings.max_tokens - 1
    if room < 16:
        raise ConfigError(
            f"--max-tokens {settings.max_tokens} leaves no room for the prompt in the {runtime.n_ctx}-token context; "
            "lower --max-tokens or raise --n-ctx"
        )
    if schema is not None:
        from fmkit.llm.extract import DEFAULT_INSTRUCTION, extract

        data = extract(runtime, prompt, schema, system or DEFAULT_INSTRUCTION, settings, overflow)  # type: ignore[arg-type]
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    if raw:
        text = fit_text(runtime, prompt, room, overflow, "prompt")  # type: ignore[arg-type]
    else:
        messages: list[Message] = [{"role": "system", "content": system}] if system else []
        scaffold = len(runtime.tokenize(runtime.chat([*messages, {"role": "user", "content": ""}])))
        content = fit_text(runtime, prompt, room - scaffold, overflow, "prompt")  # type: ignore[arg-type]
        text = runtime.chat([*messages, {"role": "user", "content": content}])
    pieces: list[str] = []
    for piece in runtime.stream(text, settings):
        pieces.append(piece)
        if stream and not as_json:
            sys.stdout.write(piece)
            sys.stdout.flush()
    answer = "".join(pieces)
    if as_json:
        tokens = len(runtime.tokenize(answer))
        emit_json({"text": answer, "model": card.id, "engine": runtime.engine, "tokens": tokens})
    elif stream:
        sys.stdout.write("\n")
    else:
        sys.stdout.write(answer + "\n")
    if not answer.strip():
        err.print("[yellow]warning:[/yellow] the model returned an empty answer")


def _extraction_schema(path: Path, stream: bool, raw: bool, stop: list[str] | None) -> dict[str, Any]:
    """The schema of ``--json-schema``, after checking the flags it cannot be combined with."""
    from fmkit.errors import ConfigError
    from fmkit.llm.extract import load_schema

    clashes = {
        "--stream": (stream, "the JSON is printed whole, once it is complete and validated"),
        "--raw": (raw, "extraction builds its own chat prompt around the schema"),
        "--stop": (bool(stop), "a stop sequence would cut the JSON short"),
    }
    problems = [
        f"--json-schema cannot be combined with {flag}: {why}; drop {flag}"
        for flag, (given, why) in clashes.items()
        if given
    ]
    if problems:
        raise ConfigError(problems)
    return load_schema(path)
