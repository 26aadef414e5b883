from __future__ import annotations

import pytest

from fmkit.generation.metrics import length_stats, rouge


def test_identical_texts_score_100_and_disjoint_ones_0() -> None:
    scores = rouge(["the cat sat on the mat", "alpha beta"], ["the cat sat on the mat", "gamma delta"])
    assert scores["rouge1"] == pytest.approx(50.0)
    assert scores["rougeL_per_item"] == [100.0, 0.0]


def test_stemming_matches_word_forms_as_the_papers_do() -> None:
    assert rouge(["he is running"], ["he runs"])["rouge1"] > rouge(["he is walking"], ["he runs"])["rouge1"]


def test_rouge2_counts_bigrams() -> None:
    scores = rouge(["a b c d"], ["a b x d"])
    assert scores["rouge1"] == pytest.approx(75.0)
    assert scores["rouge2"] == pytest.approx(100 / 3, abs=0.01)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        rouge(["a", "b"], ["a"])


def test_length_stats_in_words() -> None:
    stats = length_stats(["one two three", "", "one"])
    assert stats["mean"] == pytest.approx(4 / 3, abs=0.01)
    assert stats["median"] == 1.0
    assert stats["empty"] == 1
