"""finetune: full fine-tuning of the encoder with a classification head, early-stopped on a validation split.

Reference: Devlin et al., 2019, "BERT"; with the head first fit as a linear probe (LP-FT, Kumar et al.,
2022, "Fine-Tuning can Distort Pretrained Features"), which is steadier with few labels. The validation
split is the user's ``--valid`` file, or carved from the training data (stratified, seeded) when there is
enough of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fmkit.methods._encoder_method import EncoderMethod
from fmkit.methods._loop import TrainSettings, init_head_from_probe, train_classifier
from fmkit.methods._pool_prior import PoolPriorOption, fit_to_balance
from fmkit.methods.protocol import FitJob, Fitted
from fmkit.methods.registry import register


@dataclass(frozen=True)
class FinetuneConfig(PoolPriorOption):
    """Options of ``finetune``."""

    finetune_lr: float = 5e-5  #: learning rate of the encoder body
    finetune_head_lr: float = 5e-4  #: learning rate of the head
    finetune_epochs: int | None = None  #: None = chosen from the data size (3-20), with early stopping
    finetune_batch_size: int = 16
    finetune_patience: int = 2  #: epochs without validation improvement before stopping
    finetune_warmup_ratio: float = 0.1
    finetune_weight_decay: float = 0.01
    finetune_valid_fraction: float = 0.1  #: carved from train when no validation data is given
    finetune_head_init: str = "probe"  #: "probe" (LP-FT) or "zeros"

    def problems(self) -> list[str]:
        return (
            super().problems()
            + _training_problems("finetune", self)
            + (
                []
                if self.finetune_head_init in ("probe", "zeros")
                else [f"finetune_head_init must be 'probe' or 'zeros', got {self.finetune_head_init!r}"]
            )
        )

    def settings(self) -> TrainSettings:
        return TrainSettings(
            self.finetune_lr,
            self.finetune_head_lr,
            self.finetune_epochs,
            self.finetune_batch_size,
            self.finetune_patience,
            self.finetune_warmup_ratio,
            self.finetune_weight_decay,
            self.finetune_valid_fraction,
        )


def _training_problems(prefix: str, config: Any) -> list[str]:
    """Range checks shared by the configs whose fields follow the ``{prefix}_lr`` ... naming."""
    out = []
    for field in ("lr", "head_lr"):
        value = getattr(config, f"{prefix}_{field}")
        if not 0 < value < 1:
            out.append(f"{prefix}_{field} must be in (0, 1), got {value}")
    epochs = getattr(config, f"{prefix}_epochs")
    if epochs is not None and not 1 <= epochs <= 1000:
        out.append(f"{prefix}_epochs must be between 1 and 1000 (or none for automatic), got {epochs}")
    if not 1 <= getattr(config, f"{prefix}_batch_size") <= 4096:
        out.append(f"{prefix}_batch_size must be between 1 and 4096, got {getattr(config, f'{prefix}_batch_size')}")
    if getattr(config, f"{prefix}_patience") < 1:
        out.append(f"{prefix}_patience must be >= 1, got {getattr(config, f'{prefix}_patience')}")
    for field in ("warmup_ratio", "valid_fraction"):
        value = getattr(config, f"{prefix}_{field}")
        if not 0 <= value < 1:
            out.append(f"{prefix}_{field} must be in [0, 1), got {value}")
    return out


class Finetune(EncoderMethod):
    name = "finetune"
    summary = "full fine-tuning with a classification head (LP-FT init, early stopping)"
    paper = "Devlin et al., 2019, BERT; Kumar et al., 2022, LP-FT"
    config_type = FinetuneConfig

    def fit(self, job: FitJob, config: FinetuneConfig) -> Fitted:
        from fmkit.methods.encoder_head import EncoderClassifier

        classifier = EncoderClassifier.from_encoder(job.base_dir, job.train.classes)
        info: dict[str, Any] = {}
        if config.finetune_head_init == "probe":
            info["probe_c"] = init_head_from_probe(classifier, job.train, job.seed)
        info |= train_classifier(classifier, job, config.settings(), "finetune")
        return fit_to_balance(Fitted(classifier, info), job, config)


register(Finetune())
