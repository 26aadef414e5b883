"""llm-sft: supervised fine-tuning of a decoder LLM with a LoRA adapter, loss on the response only.

Reference: Hu et al., 2021 (LoRA); Ouyang et al., 2022 (supervised fine-tuning on prompt/response pairs).
The model is loaded into transformers (a GGUF is dequantized to float32, so the bundled SmolLM2 trains on
CPU); each example is the prompt the generator would send (instruction, input, the model's chat template)
followed by the reference output and the end-of-turn token, and only the output's tokens carry loss.
The artifact holds the adapter (``adapter/``, a few MB, PEFT format) and the merged model (``merged/``,
safetensors, standalone: it loads without PEFT and runs at the base model's speed).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmkit._progress import bar
from fmkit.errors import ConfigError
from fmkit.generation.pairs import TextPairs
from fmkit.generation.prompted import GenerationConfig, Generator

IGNORE = -100  # label of prompt and padding tokens: no loss


@dataclass(frozen=True)
class SFTConfig(GenerationConfig):
    """Options of ``llm-sft`` (and every ``gen_*`` option of the generator it produces)."""

    sft_rank: int = 16  #: LoRA rank r
    sft_alpha: float = 32.0  #: updates are scaled by alpha / r
    sft_dropout: float = 0.05
    sft_target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")  #: attention projections
    sft_lr: float = 2e-4
    sft_epochs: int = 2
    sft_batch_size: int = 4
    sft_max_length: int = 768  #: prompt + response tokens per example; longer inputs are cut from the end
    sft_warmup_ratio: float = 0.05

    def problems(self) -> list[str]:
        out = super().problems()
        if self.gen_engine == "llama.cpp":
            out.append("llm-sft produces a transformers model; gen_engine must be auto or transformers")
        if self.gen_shots:
            out.append("llm-sft learns the task from all the pairs; gen_shots must be 0")
        if not 1 <= self.sft_rank <= 1024:
            out.append(f"sft_rank must be between 1 and 1024, got {self.sft_rank}")
        if self.sft_alpha <= 0 or self.sft_lr <= 0:
            out.append("sft_alpha and sft_lr must be > 0")
        if not 0 <= self.sft_dropout < 1:
            out.append(f"sft_dropout must be in [0, 1), got {self.sft_dropout}")
        if self.sft_epochs < 1 or self.sft_batch_size < 1:
            out.append("sft_epochs and sft_batch_size must be >= 1")
        if self.sft_max_length < 64:
            out.append(f"sft_max_length must be >= 64 tokens, got {self.sft_max_length}")
        if not self.sft_target_modules:
            out.append("sft_target_modules must name at least one module, e.g. q_proj,v_proj")
        return out


@dataclass
class Tuned:
    """The outcome of ``fit``: the generator over the merged model, the adapter, and the training record."""

    generator: Generator
    adapter_state: dict[str, Any]
    peft_config: Any
    info: dict[str, Any]

    def save(self, directory: Path) -> None:
        from safetensors.torch import save_file

        self.generator.save(directory)
        adapter = directory / "adapter"
        adapter.mkdir()
        save_file(self.adapter_state, str(adapter / "adapter_model.safetensors"))
        self.peft_config.save_pretrained(str(adapter))
        merged = directory / "merged"
        runtime: Any = self.generator.runtime
        runtime.model.save_pretrained(str(merged), safe_serialization=True)
        runtime.tokenizer.save_pretrained(str(merged))


def fit(path: Path, task: str, config: SFTConfig, pairs: TextPairs, seed: int) -> Tuned:
    """Train a LoRA adapter on ``pairs`` for the model at ``path`` (HF directory or GGUF), then merge it."""
    import torch
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict

    from fmkit.llm.hf import TransformersRuntime, load_causal_lm

    model, tokenizer = load_causal_lm(path)
    runtime = TransformersRuntime(path, config.gen_n_ctx, model, tokenizer)
    generator = Generator(runtime, task, config)
    end = tokenizer.eos_token_id
    if end is None:
        raise ConfigError(f"the model at {path} has no end-of-sequence token; llm-sft cannot teach it to stop")
    examples = [
        _example(generator, runtime, text, target, end, config.sft_max_length) for text, target in _pairs(pairs)
    ]
    known = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    unknown = [m for m in config.sft_target_modules if m not in known]
    if unknown:
        raise ConfigError(
            f"sft_target_modules {unknown} are not modules of this model; it has e.g. {sorted(known)[:12]}"
        )
    torch.manual_seed(seed)
    lora = LoraConfig(
        r=config.sft_rank,
        lora_alpha=config.sft_alpha,
        lora_dropout=config.sft_dropout,
        target_modules=list(config.sft_target_modules),
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, lora)
    losses = _train(peft_model, examples, config, tokenizer.pad_token_id or 0, seed)
    peft_model.eval()
    adapter_state = {k: v.detach().clone().contiguous() for k, v in get_peft_model_state_dict(peft_model).items()}
    merged = peft_model.merge_and_unload()
    merged.eval()
    runtime.model = merged
    trainable = sum(v.numel() for v in adapter_state.values())
    info = {
        "examples": len(examples),
        "response_tokens": sum(sum(1 for t in labels if t != IGNORE) for _, labels in examples),
        "trainable_parameters": trainable,
        "epoch_loss": losses,
    }
    return Tuned(generator, adapter_state, lora, info)


def _pairs(pairs: TextPairs) -> list[tuple[str, str]]:
    if not pairs.targets:
        raise ConfigError("llm-sft trains on (input, target) pairs; the data has no targets")
    return list(zip(pairs.inputs, pairs.targets, strict=True))


def _example(
    generator: Generator, runtime: Any, text: str, target: str, end: int, max_length: int
) -> tuple[list[int], list[int]]:
    """(input ids, labels): the prompt (input cut so the whole example fits ``max_length``) and the response."""
    response = [*runtime.tokenize(target.strip()), end]
    scaffold = len(runtime.prompt_tokens(generator.render("")))
    budget = max_length - scaffold - len(response)
    if budget < 8:
        response = [*response[: max(1, max_length - scaffold - 8 - 1)], end]
        budget = 8
    tokens = runtime.tokenize(text)
    prompt = runtime.prompt_tokens(
        generator.render(runtime.detokenize(tokens[:budget]) if len(tokens) > budget else text)
    )
    return prompt + response, [IGNORE] * len(prompt) + response


def _train(
    model: Any, examples: list[tuple[list[int], list[int]]], config: SFTConfig, pad: int, seed: int
) -> list[float]:
    """AdamW with linear warmup and decay, gradient clipping at 1; the mean loss of each epoch."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    order = list(range(len(examples)))
    rng = random.Random(seed)
    steps = config.sft_epochs * math.ceil(len(examples) / config.sft_batch_size)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.sft_lr)
    schedule = get_linear_schedule_with_warmup(optimizer, int(config.sft_warmup_ratio * steps), steps)
    model.train()
    losses = []
    with bar("llm-sft: training", steps) as progress:
        for _ in range(config.sft_epochs):
            rng.shuffle(order)
            total, count = 0.0, 0
            for start in range(0, len(order), config.sft_batch_size):
                batch = [examples[i] for i in order[start : start + config.sft_batch_size]]
                ids, mask, labels = _collate(batch, pad)
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                total, count = total + float(loss.detach()) * len(batch), count + len(batch)
                progress.advance()
            losses.append(round(total / count, 4))
    return losses


def _collate(batch: list[tuple[list[int], list[int]]], pad: int) -> tuple[Any, Any, Any]:
    """Right-padded ids, attention mask and labels (padding ignored by the loss)."""
    import torch

    width = max(len(ids) for ids, _ in batch)
    ids = torch.full((len(batch), width), pad, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    for row, (tokens, targets) in enumerate(batch):
        ids[row, : len(tokens)] = torch.tensor(tokens)
        mask[row, : len(tokens)] = 1
        labels[row, : len(targets)] = torch.tensor(targets)
    return ids, mask, labels
