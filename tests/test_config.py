"""Binding configs: every problem reported at once, values converted from strings."""

from __future__ import annotations

import pytest

from fmkit.config import bind, parse_assignments
from fmkit.errors import ConfigError
from fmkit.methods.lora import LoraConfig


def test_strings_are_converted() -> None:
    config = bind(
        LoraConfig,
        parse_assignments(["lora_rank=16", "lora_target_modules=query,key", "lora_merge=false", "lora_epochs=none"]),
    )
    assert config.lora_rank == 16
    assert config.lora_target_modules == ("query", "key")
    assert config.lora_merge is False
    assert config.lora_epochs is None


def test_all_problems_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        bind(LoraConfig, {"lora_rank": "many", "lora_rnak": 3, "lora_dropout": "0.5", "lora_lr": "2"})
    text = str(info.value)
    assert "unknown field 'lora_rnak'" in text
    assert "'lora_rank' got 'many'; expected an integer" in text
    with pytest.raises(ConfigError, match="lora_lr must be in"):
        bind(LoraConfig, {"lora_lr": "2", "lora_rank": 0})


def test_bad_assignment_syntax() -> None:
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_assignments(["lora_rank"])


def test_a_mapping_is_key_value_pairs_or_json() -> None:
    from fmkit.methods.linear_probe import LinearProbeConfig

    pairs = bind(LinearProbeConfig, parse_assignments(["class_balance=spam=0.2, ham = 0.8"]))
    as_json = bind(LinearProbeConfig, parse_assignments(['class_balance={"spam": 0.2, "ham": 0.8}']))
    assert pairs.class_balance == as_json.class_balance == {"spam": "0.2", "ham": "0.8"}
    with pytest.raises(ConfigError, match="'class_balance' got 'spam'; expected a mapping"):
        bind(LinearProbeConfig, {"class_balance": "spam"})
