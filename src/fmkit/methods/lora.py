"""lora: parameter-efficient fine-tuning with low-rank adapters (PEFT), plus a trained head.

Reference: Hu et al., 2021, "LoRA: Low-Rank Adaptation of Large Language Models". The encoder stays
frozen; rank-``lora_rank`` updates are learnt for ``lora_target_modules``. The artifact holds either the
merged encoder (``lora_merge=true``, standalone, as fast as the base) or only the adapter (a few hundred
KB) that is applied to the catalog's base model at load time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fmkit.methods._encoder_method import EncoderMethod
from fmkit.methods._loop import TrainSettings, init_head_from_probe, train_classifier
from fmkit.methods._pool_prior import PoolPriorOption, fit_to_balance
from fmkit.methods.finetune import _training_problems
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register


@dataclass(frozen=True)
class LoraConfig(PoolPriorOption):
    """Options of ``lora``."""

    lora_rank: int = 8  #: rank r of each update
    lora_alpha: float = 16.0  #: scaling numerator (updates are scaled by alpha / r)
    lora_dropout: float = 0.1
    lora_target_modules: tuple[str, ...] = ("query", "value")  #: module names that get adapters
    lora_merge: bool = True  #: save the merged encoder (True) or the adapter only (False)
    lora_lr: float = 1e-3  #: learning rate of the adapters
    lora_head_lr: float = 1e-3  #: learning rate of the head
    lora_epochs: int | None = None  #: None = chosen from the data size (3-20), with early stopping
    lora_batch_size: int = 16
    lora_patience: int = 2
    lora_warmup_ratio: float = 0.1
    lora_weight_decay: float = 0.0
    lora_valid_fraction: float = 0.1

    def problems(self) -> list[str]:
        out = super().problems() + _training_problems("lora", self)
        if not 1 <= self.lora_rank <= 1024:
            out.append(f"lora_rank must be between 1 and 1024, got {self.lora_rank}")
        if self.lora_alpha <= 0:
            out.append(f"lora_alpha must be > 0, got {self.lora_alpha}")
        if not 0 <= self.lora_dropout < 1:
            out.append(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")
        if not self.lora_target_modules:
            out.append("lora_target_modules must name at least one module, e.g. query,value")
        return out

    def settings(self) -> TrainSettings:
        return TrainSettings(
            self.lora_lr,
            self.lora_head_lr,
            self.lora_epochs,
            self.lora_batch_size,
            self.lora_patience,
            self.lora_warmup_ratio,
            self.lora_weight_decay,
            self.lora_valid_fraction,
        )


class Lora(EncoderMethod):
    name = "lora"
    summary = "LoRA adapters (PEFT) on a frozen encoder plus a head; saved merged or as an adapter"
    paper = "Hu et al., 2021, LoRA: Low-Rank Adaptation of Large Language Models"
    config_type = LoraConfig

    def fit(self, job: FitJob, config: LoraConfig) -> Fitted:
        from peft import LoraConfig as PeftLoraConfig
        from peft import get_peft_model

        from fmkit.errors import ConfigError
        from fmkit.methods.encoder_head import EncoderClassifier

        classifier = EncoderClassifier.from_encoder(job.base_dir, job.train.classes)
        info: dict[str, Any] = {"probe_c": init_head_from_probe(classifier, job.train, job.seed)}
        names = {name.rsplit(".", 1)[-1] for name, _ in classifier.model.body.named_modules()}
        missing = sorted(set(config.lora_target_modules) - names)
        if missing:
            raise ConfigError(
                f"lora_target_modules {missing} do not exist in {job.card.id}; modules include "
                f"{sorted(n for n in names if n and not n.isdigit())[:20]}"
            )
        import torch

        torch.manual_seed(job.seed)  # the adapters' random initialisation
        peft_config = PeftLoraConfig(
            r=config.lora_rank,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=list(config.lora_target_modules),
            bias="none",
        )
        classifier.model.body = get_peft_model(classifier.model.body, peft_config)
        trainable = sum(p.numel() for p in classifier.model.parameters() if p.requires_grad)
        info |= train_classifier(classifier, job, config.settings(), "lora")
        info["trainable_params"] = int(trainable)
        if config.lora_merge:
            classifier.model.body = classifier.model.body.merge_and_unload()
        return fit_to_balance(Fitted(classifier, info), job, config)


register(Lora())
