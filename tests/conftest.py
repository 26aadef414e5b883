"""Shared fixtures: offline hub, a private FMKIT_HOME, the generated ticket data, ../shared datasets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fmkit
from fmkit.data import LabeledTexts, load_labeled, sample_per_class

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("FMKIT_HOME", str(tmp_path_factory.mktemp("fmkit-home")))
    monkeypatch.setenv("FMKIT_PROGRESS", "0")
    monkeypatch.delenv("FMKIT_DB_URL", raising=False)  # the workspace is the private FMKIT_HOME's SQLite file
    yield


@pytest.fixture(scope="session")
def tickets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from fmkit.demo.tickets import write_tickets

    directory = tmp_path_factory.mktemp("tickets")
    paths = write_tickets(directory, n_train_per_class=60, n_test_per_class=25)
    few = sample_per_class(load_labeled(str(paths["train"])), 8, 0)
    paths["few"] = directory / "few.csv"
    _write_csv(paths["few"], few)
    return paths


@pytest.fixture(scope="session")
def few_tickets(tickets: dict[str, Path]) -> LabeledTexts:
    return load_labeled(str(tickets["few"]))


@pytest.fixture(scope="session")
def heavy_pool(tickets: dict[str, Path]) -> tuple[LabeledTexts, str]:
    """(an unlabeled pool of every training ticket of the first class and 5 of each other, that first class)."""
    train = load_labeled(str(tickets["train"]))
    common = train.classes[0]
    rows = [i for i, lab in enumerate(train.labels) if lab == common]
    for other in train.classes[1:]:
        rows += [i for i, lab in enumerate(train.labels) if lab == other][:5]
    return LabeledTexts.of([train.texts[i] for i in rows]), common


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/datasets is absent")
    return SHARED


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory, few_tickets: LabeledTexts) -> list[Path]:
    """Two real classifier artifacts on the demo tickets (a linear probe, then a zero-shot one)."""
    root = tmp_path_factory.mktemp("artifacts")
    return [
        fmkit.adapt(few_tickets, method=method, out=root / method, seed=0).path  # type: ignore[misc]
        for method in ("linear-probe", "zero-shot")
    ]


@pytest.fixture(scope="session")
def file_trained(tmp_path_factory: pytest.TempPathFactory, tickets: dict[str, Path]) -> Path:
    """A linear probe trained from a file, so its artifact points at its training texts (the drift reference)."""
    out = tmp_path_factory.mktemp("file-trained") / "probe"
    return fmkit.adapt(str(tickets["few"]), method="linear-probe", out=out, seed=0).path  # type: ignore[return-value]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes it runs twice: on a SQLite file and on a fresh database of a real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workspace.db'}"
        return
    import uuid

    from sqlalchemy import create_engine, text

    server: str = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the session (tests/_postgres.py); yields the URL of its ``fmkit`` database."""
    from tests._postgres import running_postgres

    with running_postgres() as url:
        yield url


def _write_csv(path: Path, data: LabeledTexts) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(data.texts, data.labels, strict=True))


def write_rows(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# Tiny random-initialised causal LMs of real architectures, built here (no hub): a byte-level BPE tokenizer
# trained on a few sentences, with the ChatML special tokens and template, and Llama / Qwen2 / GPT-2 models
# of a few thousand parameters.
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
    "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
CORPUS = [
    "the parcel never arrived and tracking shows nothing",
    "I was charged twice for one order, please refund",
    "the app crashes when I open settings",
    "positive negative neutral review movie film great awful",
    "Summarize the dialogue. Answer with the category only.",
] * 20


def _tokenizer(chat: bool):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    raw.train_from_iterator(CORPUS, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        eos_token="<|im_end|>" if chat else "<|endoftext|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=special[1:],
    )
    if chat:
        tokenizer.chat_template = CHATML
    return tokenizer


@pytest.fixture(scope="session")
def tiny_llms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Directories of tiny random causal LMs: llama, qwen2 and gemma with a chat template, gpt2 without."""
    import torch
    from transformers import (
        GemmaConfig,
        GemmaForCausalLM,
        GPT2Config,
        GPT2LMHeadModel,
        LlamaConfig,
        LlamaForCausalLM,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    torch.manual_seed(0)
    out = {}
    kinds = {"llama": (LlamaForCausalLM, LlamaConfig), "qwen2": (Qwen2ForCausalLM, Qwen2Config)}
    kinds["gemma"] = (GemmaForCausalLM, GemmaConfig)
    for arch in ("llama", "qwen2", "gemma", "gpt2"):
        tokenizer = _tokenizer(chat=arch != "gpt2")
        vocab = len(tokenizer)
        eos = tokenizer.eos_token_id
        if arch == "gpt2":
            config = GPT2Config(
                vocab_size=vocab, n_embd=32, n_layer=2, n_head=2, n_positions=256, bos_token_id=eos, eos_token_id=eos
            )
            model = GPT2LMHeadModel(config)
        else:
            kind, config_type = kinds[arch]
            config = config_type(
                head_dim=16,
                vocab_size=vocab,
                hidden_size=32,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=2,
                num_key_value_heads=1,
                max_position_embeddings=256,
                eos_token_id=eos,
                bos_token_id=None,
                pad_token_id=tokenizer.pad_token_id,
            )
            model = kind(config)
        model.generation_config.eos_token_id = eos
        directory = tmp_path_factory.mktemp(f"tiny-{arch}")
        model.save_pretrained(directory)
        tokenizer.save_pretrained(directory)
        out[arch] = directory
    return out


@pytest.fixture(scope="session")
def tiny_seq2seq(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Directories of tiny random encoder-decoders: T5 and BART, with the same tokenizer (no chat template)."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    out = {}
    for arch in ("t5", "bart"):
        tokenizer = _tokenizer(chat=True)  # its end of text differs from its padding, as in T5 and BART
        tokenizer.chat_template = None
        ids = {"vocab_size": len(tokenizer), "eos_token_id": tokenizer.eos_token_id, "pad_token_id": 0}
        model: Any
        if arch == "t5":
            config = T5Config(d_model=32, d_ff=64, d_kv=16, num_layers=2, num_heads=2, decoder_start_token_id=0, **ids)
            model = T5ForConditionalGeneration(config)
        else:
            config = BartConfig(
                d_model=32,
                encoder_layers=1,
                decoder_layers=1,
                encoder_attention_heads=2,
                decoder_attention_heads=2,
                encoder_ffn_dim=64,
                decoder_ffn_dim=64,
                max_position_embeddings=128,
                decoder_start_token_id=tokenizer.eos_token_id,  # BART starts from </s>
                bos_token_id=None,
                forced_bos_token_id=None,
                forced_eos_token_id=None,
                **ids,
            )
            model = BartForConditionalGeneration(config)
        model.generation_config.eos_token_id = tokenizer.eos_token_id
        directory = tmp_path_factory.mktemp(f"tiny-{arch}")
        model.save_pretrained(directory)
        tokenizer.save_pretrained(directory)
        out[arch] = directory
    return out
