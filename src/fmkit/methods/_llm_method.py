"""What the LLM classification methods share: their config, the classifier and its artifact.

The artifact holds no weights: ``llm.json`` (prompt, verbalizers, calibration, demonstrations) and, for
demonstrations chosen by similarity, ``demos.safetensors`` (their embeddings). The LLM itself is the
catalog model the manifest names, resolved again when the artifact is loaded.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmkit.catalog.cards import GENERATIVE
from fmkit.llm.labels import DEFAULT_INSTRUCTION, FORMATS, Demo, LabelPrompt
from fmkit.llm.runtime import ENGINES, Runtime
from fmkit.methods.protocol import FitJob, Fitted

OVERFLOWS = ("truncate", "error")
CALIBRATIONS = ("batch", "content-free", "none")
ENCODER = "minilm-l6"  # the bundled encoder that picks demonstrations by similarity
MAX_CALIBRATION = 200  # labeled examples scored to fit the temperature


@dataclass(frozen=True)
class LLMConfig:
    """Options shared by ``llm-zero-shot`` and ``llm-prompt``."""

    llm_instruction: str = DEFAULT_INSTRUCTION  #: the system message; {labels} becomes the verbalizers
    llm_layout: str = "completion"  #: completion (Text: ... / Answer: label blocks) | chat (the model's template)
    llm_text_template: str = "Text: {text}"  #: how a text is shown, e.g. "Review: {text}"
    llm_answer_prefix: str = "Answer:"  #: completion layout: what precedes the label, e.g. "Sentiment:"
    llm_verbalizers: dict[str, str] | None = None  #: label -> the word the model answers; default: the label
    llm_calibration: str = "batch"  #: batch (Zhou et al., 2024) | content-free (Zhao et al., 2021) | none
    llm_engine: str = "auto"  #: auto (llama.cpp for GGUF) | llama.cpp | transformers
    llm_n_ctx: int | None = None  #: context window in tokens; default: the model's, at most 4096
    llm_overflow: str = "truncate"  #: a text too long for the context: truncate its end | error

    def problems(self) -> list[str]:
        out = []
        if "{text}" not in self.llm_text_template:
            out.append(f"llm_text_template {self.llm_text_template!r} must contain '{{text}}'")
        if self.llm_layout not in FORMATS:
            out.append(f"llm_layout must be one of {', '.join(FORMATS)}, got {self.llm_layout!r}")
        if self.llm_calibration not in CALIBRATIONS:
            out.append(f"llm_calibration must be one of {', '.join(CALIBRATIONS)}, got {self.llm_calibration!r}")
        if self.llm_engine not in ENGINES:
            out.append(f"llm_engine must be one of {', '.join(ENGINES)}, got {self.llm_engine!r}")
        if self.llm_overflow not in OVERFLOWS:
            out.append(f"llm_overflow must be one of {', '.join(OVERFLOWS)}, got {self.llm_overflow!r}")
        if self.llm_n_ctx is not None and self.llm_n_ctx < 128:
            out.append(f"llm_n_ctx must be >= 128 tokens, got {self.llm_n_ctx}")
        if not self.llm_instruction.strip():
            out.append("llm_instruction is empty; say what the model should do")
        return out


class Demonstrations:
    """How demonstrations are chosen for a query: none, a fixed set, or the most similar per label."""

    def __init__(
        self, pool: Sequence[Demo], shots: int, selection: str, embeddings: NDArray[np.float32] | None
    ) -> None:
        self.pool, self.shots, self.selection, self.embeddings = list(pool), shots, selection, embeddings

    def for_query(self, query_embedding: NDArray[np.float32] | None, exclude: int | None = None) -> list[Demo]:
        if self.shots == 0 or not self.pool:
            return []
        if self.selection == "random" or query_embedding is None or self.embeddings is None:
            return [d for i, d in enumerate(self.pool) if i != exclude]  # a fixed, balanced, shuffled set
        similarity = self.embeddings @ query_embedding
        if exclude is not None:
            similarity[exclude] = -np.inf
        chosen: list[int] = []
        for label in dict.fromkeys(d.label for d in self.pool):
            rows = [i for i, d in enumerate(self.pool) if d.label == label and np.isfinite(similarity[i])]
            chosen += sorted(rows, key=lambda i: -similarity[i])[: self.shots]
        chosen.sort(key=lambda i: similarity[i])  # the most similar last, next to the query
        return [self.pool[i] for i in chosen]


class LLMClassifier:
    """An LLM that classifies by scoring label verbalizers (``fmkit.llm.labels``)."""

    def __init__(
        self,
        runtime: Runtime,
        labels: Sequence[str],
        config: LLMConfig,
        demos: Demonstrations,
        encoder_dir: Path | None = None,
    ) -> None:
        self.runtime, self.labels, self.config, self.demos = runtime, tuple(labels), config, demos
        self.prompt = LabelPrompt(
            runtime,
            labels,
            config.llm_instruction,
            config.llm_verbalizers,
            config.llm_text_template,
            config.llm_layout,
            config.llm_answer_prefix,
        )
        self.encoder_dir = encoder_dir
        self._encoder: Any = None
        self.bias = np.zeros(len(self.labels))  # the label bias (llm_calibration), subtracted from log-probs
        self.temperature = 1.0

    # -- scoring ---------------------------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32] | None:
        if self.encoder_dir is None:
            return None
        if self._encoder is None:
            from fmkit.methods.encoder_head import EncoderClassifier

            self._encoder = EncoderClassifier.from_encoder(self.encoder_dir, self.labels)
        vectors = self._encoder.embed(list(texts))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-9)
        result: NDArray[np.float32] = vectors
        return result

    def scores(self, texts: Sequence[str], pool_rows: Sequence[int | None] | None = None) -> NDArray[np.float64]:
        """Raw verbalizer log-probabilities [N, C]. ``pool_rows[i]``: text i is that demonstration, left out."""
        from fmkit._progress import track

        embeddings = self.embed(texts) if self.demos.selection == "similar" and self.demos.shots else None
        rows = []
        for i, text in enumerate(track(texts, "scoring labels with the LLM", total=len(texts))):
            query = embeddings[i] if embeddings is not None else None
            demos = self.demos.for_query(query, exclude=pool_rows[i] if pool_rows is not None else None)
            rows.append(self.prompt.scores(demos, text, self.config.llm_overflow))  # type: ignore[arg-type]
        return np.array(rows).reshape(len(texts), len(self.labels))

    def logits(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        from scipy.special import log_softmax

        result: NDArray[np.float64] = (log_softmax(scores, axis=1) - self.bias) / self.temperature
        return result

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        from scipy.special import softmax

        if not texts:
            return np.zeros((0, len(self.labels)), np.float32)
        probabilities: NDArray[np.float32] = softmax(self.logits(self.scores(texts)), axis=1).astype(np.float32)
        return probabilities

    def calibrate(self, train: Sequence[Demo], seed: int) -> dict[str, Any]:
        """The label bias to remove (``llm_calibration``) and a temperature, from up to MAX_CALIBRATION texts.

        ``batch`` (Zhou et al., 2024, Batch Calibration): the model's mean probability per label over the
        training texts, labels unused, is its preference whatever the text; ``content-free`` (Zhao et al.,
        2021) estimates it from "N/A", "" and "[MASK]" instead. A labeled text that is also a demonstration
        is scored without itself (leave-one-out). The temperature is then fitted on the labels.
        """
        from scipy.special import log_softmax, softmax

        from fmkit.evaluation.calibration import TemperatureScaler

        info: dict[str, Any] = {"calibration": self.config.llm_calibration}
        chosen = [train[i] for i in np.random.default_rng(seed).permutation(len(train))[:MAX_CALIBRATION]]
        where = {id(d): row for row, d in enumerate(self.demos.pool)}
        scores = self.scores([d.text for d in chosen], [where.get(id(d)) for d in chosen])
        if self.config.llm_calibration == "batch":
            self.bias = np.log(softmax(log_softmax(scores, axis=1), axis=1).mean(axis=0))
        elif self.config.llm_calibration == "content-free":
            query = self.embed(["N/A"])
            self.bias = self.prompt.content_free(self.demos.for_query(query[0] if query is not None else None))
        info["label_bias"] = [round(float(b), 4) for b in self.bias]
        y = np.array([self.labels.index(d.label) for d in chosen])
        logits = self.logits(scores)  # temperature 1 here; the temperature never changes the argmax
        self.temperature = float(TemperatureScaler().fit(logits.astype(np.float32), y).temperature_)
        info["temperature"] = round(self.temperature, 4)
        info["train_accuracy"] = round(float((logits.argmax(axis=1) == y).mean()), 4)
        if self.prompt.dropped:
            from fmkit.data.validate import DataWarning

            warnings.warn(
                f"{self.prompt.dropped} demonstrations did not fit the {self.runtime.n_ctx}-token context and were "
                "left out; raise llm_n_ctx or lower llm_shots",
                DataWarning,
                stacklevel=2,
            )
        return info

    # -- persistence -----------------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        state = {
            "labels": list(self.labels),
            "bias": [float(b) for b in self.bias],
            "temperature": self.temperature,
            "shots": self.demos.shots,
            "selection": self.demos.selection,
            "demos": [{"text": d.text, "label": d.label} for d in self.demos.pool],
            "encoder": ENCODER if self.encoder_dir is not None else None,
        }
        (directory / "llm.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
        if self.demos.embeddings is not None:
            save_file({"embeddings": self.demos.embeddings}, str(directory / "demos.safetensors"))


class LLMMethod:
    """Base of the methods that classify with a decoder LLM; they load through ``load_classifier``."""

    families: tuple[str, ...] = GENERATIVE
    config_type: type[Any] = LLMConfig

    @staticmethod
    def fit_with(
        job: FitJob, config: LLMConfig, demos: Demonstrations, encoder: Path | None, labeled: Sequence[Demo]
    ) -> Fitted:
        """Open the LLM, embed the demonstrations when they are chosen by similarity, calibrate on ``labeled``."""
        from fmkit.llm.runtime import open_runtime

        runtime = open_runtime(job.card, job.base_dir, config.llm_engine, config.llm_n_ctx)  # type: ignore[arg-type]
        classifier = LLMClassifier(runtime, job.train.classes, config, demos, encoder)
        if encoder is not None:
            demos.embeddings = classifier.embed([d.text for d in demos.pool])
        info = classifier.calibrate(labeled, job.seed)
        return Fitted(classifier, {"engine": runtime.engine, "n_ctx": runtime.n_ctx, **info})

    def load(self, directory: Path, manifest: dict[str, Any], base_dir: Path | None) -> LLMClassifier:
        from fmkit.config import bind

        return load_classifier(directory, manifest, base_dir, bind(self.config_type, manifest["config"]))


def load_classifier(
    directory: Path, manifest: dict[str, Any], base_dir: Path | None, config: LLMConfig
) -> LLMClassifier:
    """The classifier ``LLMClassifier.save`` wrote, over the base LLM at ``base_dir``."""
    from fmkit.catalog import Catalog, ModelCard, resolve
    from fmkit.errors import ArtifactError
    from fmkit.llm.runtime import open_runtime

    if base_dir is None:
        raise ArtifactError(f"{directory}: the base LLM could not be resolved; install it or re-run `fmkit adapt`")
    state = json.loads((directory / "llm.json").read_text(encoding="utf-8"))
    embeddings = None
    if (directory / "demos.safetensors").exists():
        from safetensors.numpy import load_file

        embeddings = load_file(str(directory / "demos.safetensors"))["embeddings"]
    pool = [Demo(d["text"], d["label"]) for d in state["demos"]]
    demos = Demonstrations(pool, int(state["shots"]), str(state["selection"]), embeddings)
    encoder = resolve(Catalog().get(state["encoder"])) if state["encoder"] is not None else None
    runtime = open_runtime(ModelCard.from_dict(manifest["base_model"]), base_dir, config.llm_engine, config.llm_n_ctx)  # type: ignore[arg-type]
    classifier = LLMClassifier(runtime, state["labels"], config, demos, encoder)
    classifier.bias = np.array(state["bias"], np.float64)
    classifier.temperature = float(state["temperature"])
    return classifier
