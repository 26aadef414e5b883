"""Adapt a decoder LLM to a generation task, load it back, evaluate it with ROUGE.

``adapt_generator`` writes an artifact like the classification methods do (``fmkit.json`` with checksums,
atomic); ``fmkit eval`` reads its ``task`` and scores it with ``evaluate_generator``.

    >>> gen = adapt_generator("samsum.jsonl", task="summarize", input_col="dialogue", target_col="summary",
    ...                       out="runs/summarize")  # doctest: +SKIP
    >>> evaluate_generator(gen, "test.jsonl", input_col="dialogue", target_col="summary")["rougeL"]  # doctest: +SKIP
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fmkit.artifacts import check_destination, read_manifest, write_artifact
from fmkit.catalog import Catalog, ModelCard, resolve
from fmkit.catalog.cards import GENERATIVE
from fmkit.config import bind, to_dict
from fmkit.errors import ArtifactError, ConfigError
from fmkit.generation.pairs import TextPairs, load_pairs
from fmkit.generation.prompted import TASKS, GenerationConfig, Generator
from fmkit.llm.runtime import Runtime

METHODS = {
    "llm-instruct": "the instruction (and gen_shots demonstrations) with the model's chat template",
    "llm-sft": "LoRA supervised fine-tuning on the pairs (loss on the response only), merged",
}


class GeneratorModel:
    """A loaded (or freshly adapted) generator with its manifest."""

    def __init__(self, generator: Generator, manifest: dict[str, Any], path: Path | None = None) -> None:
        self.generator, self.manifest, self.path = generator, manifest, path

    @property
    def task(self) -> str:
        return self.generator.task

    def generate(self, inputs: Sequence[str] | str) -> list[str]:
        return self.generator.generate([inputs] if isinstance(inputs, str) else list(inputs))


def adapt_generator(
    data: str | Path | TextPairs,
    *,
    task: str = "summarize",
    model: str = "smollm2-135m-instruct",
    method: str = "llm-instruct",
    out: str | Path | None = None,
    config: Mapping[str, Any] | None = None,
    input_col: str = "text",
    target_col: str = "target",
    seed: int = 0,
    overwrite: bool = False,
    catalog: Catalog | None = None,
    parent: str | None = None,
) -> GeneratorModel:
    """Adapt ``model`` to ``task`` on (input, target) ``data`` with ``method``; write the artifact to ``out``."""
    if task not in TASKS:
        raise ConfigError(f"task must be one of classify, {', '.join(TASKS)}; got {task!r}")
    if method not in METHODS:
        raise ConfigError(f"method {method!r} does not generate; for --task {task} use one of {', '.join(METHODS)}")
    settings = bind(_config_type(method), dict(config or {}), where=f"{method} config")
    card = (catalog or Catalog()).get(model)
    if card.family not in GENERATIVE:
        raise ConfigError(
            f"--task {task} needs a decoder LLM or an encoder-decoder; {card.id!r} has family {card.family!r}"
        )
    if method == "llm-sft" and card.family != "decoder":
        raise ConfigError(f"llm-sft tunes decoder LLMs; {card.id!r} is an encoder-decoder: use llm-instruct with it")
    out_path = Path(out).expanduser() if out is not None else None
    if out_path is not None:
        check_destination(out_path, overwrite)
    pairs = data if isinstance(data, TextPairs) else load_pairs(data, input_col=input_col, target_col=target_col)
    started = time.perf_counter()
    save, info = None, {}
    if method == "llm-sft":
        from fmkit.generation import sft
        from fmkit.llm.runtime import gguf_path

        base_dir = resolve(card)
        tuned = sft.fit(gguf_path(card, base_dir) or base_dir, task, settings, pairs, seed)  # type: ignore[arg-type]
        generator, save, info = tuned.generator, tuned.save, tuned.info
    else:
        generator = _instruct(card, resolve(card), task, settings, pairs, seed)
    manifest = {
        "task": task,
        "method": method,
        "base_model": card.to_dict(),
        "labels": [],
        "config": to_dict(settings),
        "seed": seed,
        "metrics": {"train_seconds": round(time.perf_counter() - started, 3)},
        "fit_info": {"demonstrations": len(generator.demos), "input_budget_tokens": generator.budget, **info},
        "data": {"fingerprint": pairs.fingerprint(), "source": pairs.source, "n_train": len(pairs)},
        "parent": parent,
    }
    if out_path is None:
        return GeneratorModel(generator, manifest)
    written = write_artifact(out_path, save or generator.save, manifest, overwrite=overwrite)
    return GeneratorModel(generator, read_manifest(written, verify=False), written)


def load_generator(path: str | Path) -> GeneratorModel:
    """Load and verify a generation artifact."""
    from fmkit.llm.runtime import open_runtime

    directory = Path(path).expanduser()
    manifest = read_manifest(directory)
    if manifest["task"] not in TASKS:
        raise ArtifactError(f"{directory} is a {manifest['task']} artifact, not a generator; use fmkit.load")
    try:
        state = Generator.read_state(directory)
        config = bind(_config_type(manifest["method"]), state["config"], where=f"{directory} config")
        if (directory / "merged").is_dir():  # a tuned model: standalone, no base model needed
            from fmkit.llm.hf import TransformersRuntime

            runtime: Runtime = TransformersRuntime(directory / "merged", config.gen_n_ctx)
        else:
            card = ModelCard.from_dict(manifest["base_model"])
            runtime = open_runtime(card, resolve(card), config.gen_engine, config.gen_n_ctx)  # type: ignore[arg-type]
        generator = Generator(runtime, state["task"], config, [(d[0], d[1]) for d in state["demos"]])
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise ArtifactError(f"{directory} cannot be loaded ({exc}); re-run `fmkit adapt`") from None
    return GeneratorModel(generator, manifest, directory)


def evaluate_generator(
    model: GeneratorModel,
    data: str | Path | TextPairs,
    *,
    input_col: str = "text",
    target_col: str = "target",
    limit: int | None = None,
    json_path: str | Path | None = None,
    plot_path: str | Path | None = None,
) -> dict[str, Any]:
    """ROUGE-1/2/L/Lsum, length statistics of outputs and references, items/s; optional JSON and PNG plot."""
    from fmkit.generation.metrics import length_stats, rouge

    pairs = data if isinstance(data, TextPairs) else load_pairs(data, input_col=input_col, target_col=target_col)
    if limit is not None and limit < len(pairs):
        pairs = pairs.subset(range(limit))
    started = time.perf_counter()
    outputs = model.generate(list(pairs.inputs))
    seconds = time.perf_counter() - started
    scores = rouge(outputs, pairs.targets)
    per_item = scores.pop("rougeL_per_item")
    result: dict[str, Any] = {
        **scores,
        "n": len(pairs),
        "lengths": {"outputs": length_stats(outputs), "references": length_stats(pairs.targets)},
        "performance": {"seconds": round(seconds, 2), "items_per_second": round(len(pairs) / seconds, 3)},
        "model": {"path": str(model.path), "task": model.task, "method": model.manifest["method"]},
        "data": {"source": pairs.source, "n": len(pairs), "fingerprint": pairs.fingerprint()},
        "examples": [
            {"input": pairs.inputs[i][:500], "reference": pairs.targets[i], "output": outputs[i], "rougeL": per_item[i]}
            for i in range(min(5, len(pairs)))
        ],
    }
    if json_path is not None:
        from fmkit.evaluation.report import write_json

        write_json(Path(json_path), result)
    if plot_path is not None:
        from fmkit.generation.plots import write_plot

        write_plot(Path(plot_path), outputs, pairs.targets, per_item)
    return result


def _config_type(method: str) -> type[GenerationConfig]:
    from fmkit.generation.sft import SFTConfig

    return SFTConfig if method == "llm-sft" else GenerationConfig


def _instruct(
    card: ModelCard, base_dir: Path, task: str, config: GenerationConfig, pairs: TextPairs, seed: int
) -> Generator:
    """llm-instruct: open the model and choose ``gen_shots`` short demonstrations at random (seeded)."""
    from fmkit.llm.runtime import open_runtime

    runtime = open_runtime(card, base_dir, config.gen_engine, config.gen_n_ctx)  # type: ignore[arg-type]
    short = [i for i, text in enumerate(pairs.inputs) if len(text) <= config.gen_demo_max_chars]
    if len(short) < config.gen_shots:
        raise ConfigError(
            f"gen_shots={config.gen_shots} but only {len(short)} training inputs are at most gen_demo_max_chars="
            f"{config.gen_demo_max_chars} characters; lower gen_shots or raise gen_demo_max_chars"
        )
    chosen = random.Random(seed).sample(short, config.gen_shots)
    return Generator(runtime, task, config, [(pairs.inputs[i], pairs.targets[i]) for i in chosen])
