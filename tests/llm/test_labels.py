"""Label prompts: both layouts, verbalizers that end the answer, clear errors, content-free calibration."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fmkit.errors import ConfigError
from fmkit.llm.labels import Demo, LabelPrompt

LABELS = ("billing", "delivery", "technical")
DEMOS = [Demo("I was charged twice", "billing"), Demo("my parcel is late", "delivery")]


def test_completion_layout_shows_demonstrations_then_the_text(smollm2: Any) -> None:
    prompt = LabelPrompt(smollm2, LABELS, text_template="Message: {text}", answer_prefix="Team:")
    prefix, before, after = prompt.split(DEMOS)
    assert prefix.startswith("Classify the text into one of these categories: billing, delivery, technical.")
    shots = "Message: I was charged twice\nTeam: billing\n\nMessage: my parcel is late\nTeam: delivery\n\n"
    assert prefix.endswith(shots)
    assert (before, after) == ("Message: ", "\nTeam:")
    assert prompt.continuations[0] == smollm2.tokenize(" billing\n")


def test_chat_layout_uses_the_template_and_ends_the_turn(smollm2: Any) -> None:
    prompt = LabelPrompt(smollm2, LABELS, layout="chat", text_template="{text}")
    prefix, before, after = prompt.split(DEMOS)
    assert prefix.startswith("<|im_start|>system\nClassify") and prefix.endswith("<|im_start|>user\n")
    assert "<|im_start|>assistant\nbilling<|im_end|>" in prefix and before == ""
    assert after == "<|im_end|>\n<|im_start|>assistant\n"
    assert prompt.continuations[1] == smollm2.tokenize("delivery<|im_end|>")


def test_scores_follow_the_text(smollm2: Any) -> None:
    prompt = LabelPrompt(smollm2, ("negative", "positive"), text_template="Review: {text}", answer_prefix="Sentiment:")
    good = prompt.scores([], "a wonderful, moving film with great performances", "error")
    bad = prompt.scores([], "a dull, boring and awful film, a waste of time", "error")
    assert good[1] - good[0] > bad[1] - bad[0]
    free = prompt.content_free([])
    assert free.shape == (2,) and np.exp(free).sum() == pytest.approx(1.0)


def test_verbalizers_must_differ_and_name_known_labels(smollm2: Any) -> None:
    with pytest.raises(ConfigError, match="tokenize identically"):
        LabelPrompt(smollm2, ("pos", "positive"), verbalizers={"pos": "positive"})
    with pytest.raises(ConfigError, match=r"names labels \['spam'\] that are not in the data"):
        LabelPrompt(smollm2, LABELS, verbalizers={"spam": "junk"})
