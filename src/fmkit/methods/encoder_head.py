"""An encoder body, pooling and a linear head: the model every encoder method produces and serves.

Pooling follows the encoder's sentence-transformers config (mean or CLS, optional L2 normalisation), so
a head fit on frozen embeddings (linear probe, zero-shot) and a head trained end to end (fine-tuning,
LoRA) live in the same artifact format::

    encoder/            HF model dir (safetensors + tokenizer + sentence-transformers module files)
      or adapter/       a PEFT adapter over the base model named in fmkit.json
    head.safetensors    weight [C, D], bias [C], temperature [1]; metadata: pooling, normalize, max_length

Dimension letters: B batch, T tokens, D hidden width, C classes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from fmkit._progress import track
from fmkit.errors import ArtifactError

DEFAULT_MAX_LENGTH = 256


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def read_pooling(model_dir: Path) -> tuple[str, bool]:
    """(pooling mode, normalize) from a sentence-transformers dir; plain HF dirs get mean pooling."""
    modules_file = model_dir / "modules.json"
    if not modules_file.exists():
        return "mean", False
    modules = json.loads(modules_file.read_text())
    mode, normalize = "mean", False
    for module in modules:
        kind = str(module.get("type", ""))
        if kind.endswith("Pooling"):
            config = json.loads((model_dir / module["path"] / "config.json").read_text())
            mode = "cls" if config.get("pooling_mode_cls_token") else "mean"
        if kind.endswith("Normalize"):
            normalize = True
    return mode, normalize


def write_sentence_transformers_files(model_dir: Path, dim: int, pooling: str, normalize: bool) -> None:
    """Make ``model_dir`` loadable by ``SentenceTransformer(model_dir)`` with the same pooling."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
        (model_dir / "2_Normalize").mkdir(exist_ok=True)
    (model_dir / "1_Pooling").mkdir(exist_ok=True)
    pooling_config = {
        "word_embedding_dimension": dim,
        "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    (model_dir / "1_Pooling" / "config.json").write_text(json.dumps(pooling_config, indent=2))
    (model_dir / "modules.json").write_text(json.dumps(modules, indent=2))


class PooledClassifier(nn.Module):
    """body -> pooled embedding [B, D] -> (optional L2 norm) -> linear head -> logits [B, C]."""

    def __init__(self, body: Any, n_classes: int, pooling: str = "mean", normalize: bool = False) -> None:
        super().__init__()
        self.body: Any = body  # a transformers PreTrainedModel (or a PEFT wrapper of one)
        dim = int(body.config.hidden_size)
        self.head = nn.Linear(dim, n_classes)
        self.pooling = pooling
        self.normalize = normalize

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.body(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # [B, T, D]
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)  # [B, T, 1]
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1) if self.normalize else pooled

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(input_ids, attention_mask))  # type: ignore[no-any-return]


class EncoderClassifier:
    """A PooledClassifier with its tokenizer and labels: embeds texts and predicts label probabilities."""

    def __init__(
        self,
        model: PooledClassifier,
        tokenizer: Any,
        labels: Sequence[str],
        *,
        max_length: int = DEFAULT_MAX_LENGTH,
        temperature: float = 1.0,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.labels = tuple(labels)
        self.max_length = max_length
        self.temperature = temperature

    @classmethod
    def from_encoder(
        cls, model_dir: Path, labels: Sequence[str], *, max_length: int = DEFAULT_MAX_LENGTH
    ) -> EncoderClassifier:
        """A fresh classifier over the encoder in ``model_dir`` with a zero-initialised head."""
        from transformers import AutoModel, AutoTokenizer

        body = AutoModel.from_pretrained(model_dir)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        pooling, normalize = read_pooling(model_dir)
        model = PooledClassifier(body, len(labels), pooling, normalize)
        nn.init.zeros_(model.head.weight)
        nn.init.zeros_(model.head.bias)
        return cls(model.to(device()).eval(), tokenizer, labels, max_length=max_length)

    @property
    def dim(self) -> int:
        return int(self.model.head.in_features)

    def tokenize(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        batch = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        return {"input_ids": batch["input_ids"].to(device()), "attention_mask": batch["attention_mask"].to(device())}

    def _batched(self, texts: Sequence[str], batch_size: int, fn: Any, what: str) -> NDArray[np.float32]:
        """Run ``fn`` over length-sorted batches (less padding), returning rows in the input order."""
        order = np.argsort([len(t) for t in texts], kind="stable")
        outputs: list[NDArray[np.float32]] = []
        starts = range(0, len(texts), batch_size)
        self.model.eval()
        with torch.inference_mode():
            for start in track(starts, what, total=len(starts)) if len(texts) > 4 * batch_size else starts:
                chunk = [texts[i] for i in order[start : start + batch_size]]
                outputs.append(fn(**self.tokenize(chunk)).float().cpu().numpy())
        stacked = np.concatenate(outputs) if outputs else np.zeros((0, 0), np.float32)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        """Pooled (and, if the encoder says so, normalised) embeddings [N, D]."""
        return self._batched(texts, batch_size, self.model.embed, "embedding")

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        return self._batched(texts, batch_size, self.model, "predicting") / self.temperature

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        """Label probabilities [N, C], columns in the order of ``labels``."""
        if not texts:
            return np.zeros((0, len(self.labels)), np.float32)
        return _softmax(self.logits(texts, batch_size))

    def embed_and_proba(
        self, texts: Sequence[str], batch_size: int = 64
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """``embed`` and ``predict_proba`` from one pass of the encoder (the head applied to the embeddings)."""
        embeddings = self.embed(texts, batch_size)
        if not len(texts):
            return embeddings, np.zeros((0, len(self.labels)), np.float32)
        with torch.inference_mode():
            logits = self.model.head(torch.as_tensor(embeddings, device=device())).float().cpu().numpy()
        return embeddings, _softmax(logits / self.temperature)

    def set_head(self, weight: NDArray[Any], bias: NDArray[Any]) -> None:
        with torch.no_grad():
            self.model.head.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
            self.model.head.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))

    # -- persistence -----------------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write ``encoder/`` (or ``adapter/`` for an unmerged PEFT body) and ``head.safetensors``."""
        from safetensors.torch import save_file

        body = self.model.body
        if hasattr(body, "peft_config"):
            body.save_pretrained(directory / "adapter", safe_serialization=True)
        else:
            target = directory / "encoder"
            body.save_pretrained(target, safe_serialization=True)
            self.tokenizer.save_pretrained(target)
            write_sentence_transformers_files(target, self.dim, self.model.pooling, self.model.normalize)
        head = {
            "weight": self.model.head.weight.detach().cpu().contiguous(),
            "bias": self.model.head.bias.detach().cpu().contiguous(),
            "temperature": torch.tensor([self.temperature], dtype=torch.float32),
        }
        metadata = {
            "pooling": self.model.pooling,
            "normalize": str(self.model.normalize).lower(),
            "max_length": str(self.max_length),
        }
        save_file(head, str(directory / "head.safetensors"), metadata=metadata)

    @classmethod
    def load(cls, directory: Path, labels: Sequence[str], base_dir: Path | None = None) -> EncoderClassifier:
        """Load what ``save`` wrote; ``base_dir`` is the base encoder an ``adapter/`` applies to."""
        from safetensors import safe_open
        from transformers import AutoModel, AutoTokenizer

        with safe_open(str(directory / "head.safetensors"), framework="pt") as handle:
            metadata = handle.metadata() or {}
            head = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
        if (directory / "adapter").exists():
            if base_dir is None:
                raise ArtifactError(f"{directory} holds a LoRA adapter but its base model could not be resolved")
            from peft import PeftModel

            body = PeftModel.from_pretrained(
                AutoModel.from_pretrained(base_dir), directory / "adapter"
            ).merge_and_unload()
            tokenizer = AutoTokenizer.from_pretrained(base_dir)
        else:
            body = AutoModel.from_pretrained(directory / "encoder")
            tokenizer = AutoTokenizer.from_pretrained(directory / "encoder")
        weight = head["weight"]
        if weight.shape != (len(labels), int(body.config.hidden_size)):
            raise ArtifactError(
                f"{directory}: head has shape {tuple(weight.shape)} but the manifest lists {len(labels)} labels over a "
                f"{body.config.hidden_size}-d encoder; the artifact is mismatched, re-run `fmkit adapt`"
            )
        model = PooledClassifier(
            body, len(labels), metadata.get("pooling", "mean"), metadata.get("normalize") == "true"
        )
        classifier = cls(
            model.to(device()).eval(),
            tokenizer,
            labels,
            max_length=int(metadata.get("max_length", DEFAULT_MAX_LENGTH)),
            temperature=float(head["temperature"][0]),
        )
        classifier.set_head(weight.numpy(), head["bias"].numpy())
        return classifier


def _softmax(logits: NDArray[np.float32]) -> NDArray[np.float32]:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: NDArray[np.float32] = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return probabilities
