"""LLM generation speed: fmkit's llama.cpp runtime vs raw ``llama-cpp-python``, transformers beside them.

Same model (the bundled SmolLM2-135M-Instruct GGUF), same chat-formatted prompt, greedy decoding, the same
token limit and thread count. Tokens/s counts generated tokens over the whole call (prompt evaluation
included), so any overhead fmkit adds (tokenizing, stop handling, streaming) is inside the number. The
anchor is raw ``llama_cpp.Llama.create_completion`` in the same process and run, on a cleared cache as a new
request would be (fmkit evaluates every prompt afresh, so that the same prompt always gives the same text);
runs alternate between them so that drift in the machine's speed hits both. A third row, raw
llama-cpp-python reusing its cache across the repeated prompt, shows what prompt caching would buy here. The
transformers engine runs the same GGUF dequantized (the path that trains with LoRA), with fewer repetitions.

    python benchmarks/llm_throughput.py                # writes results/llm_throughput.json and .png
    python benchmarks/llm_throughput.py --repeats 9 --max-tokens 256

Measure on a quiet machine: llama.cpp threads spin-wait, and another busy process slows them many times over.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("FMKIT_PROGRESS", "0")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _results  # noqa: E402

RESULTS = HERE / "results" / "llm_throughput.json"
QUESTION = "Write a detailed story about a lighthouse keeper who finds a message in a bottle."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--hf-repeats", type=int, default=2)
    args = parser.parse_args()

    from fmkit.catalog import Catalog

    card = Catalog().get("smollm2-135m-instruct")
    threads = len(os.sched_getaffinity(0))
    rates, tokens, prompt_tokens = llama_cpp_rates(card, threads, args.max_tokens, args.repeats)
    rates["fmkit transformers"], tokens["fmkit transformers"] = transformers_rates(
        card, args.max_tokens, args.hf_repeats
    )
    median = {name: statistics.median(values) for name, values in rates.items()}
    anchor = median["raw llama-cpp-python"]
    results = {
        "model": card.id,
        "threads": threads,
        "max_tokens": args.max_tokens,
        "prompt_tokens": prompt_tokens,
        "tokens_generated": tokens,
        "tokens_per_second": {name: [round(v, 2) for v in values] for name, values in rates.items()},
        "median_tokens_per_second": {name: round(v, 2) for name, v in median.items()},
        "ratio_to_raw_llama_cpp": {name: round(v / anchor, 3) for name, v in median.items()},
    }
    _results.save(RESULTS, results)
    plot(results)
    for name, value in median.items():
        print(f"{name:24s} {value:8.1f} tokens/s  ({value / anchor:.2f}x raw llama-cpp-python)")


def llama_cpp_rates(
    card: Any, threads: int, max_tokens: int, repeats: int
) -> tuple[dict[str, list[float]], dict[str, int], int]:
    """Tokens/s of fmkit's llama.cpp runtime and of raw llama-cpp-python, alternating; tokens; prompt tokens."""
    from llama_cpp import Llama

    from fmkit.catalog import resolve
    from fmkit.llm.runtime import GenerationSettings, gguf_path, open_runtime

    path = gguf_path(card, resolve(card))
    assert path is not None
    runtime: Any = open_runtime(card, resolve(card), "llama.cpp", 4096)
    raw = Llama(model_path=str(path), n_ctx=4096, n_threads=threads, n_threads_batch=threads, verbose=False)
    prompt = runtime.chat([{"role": "user", "content": QUESTION}])
    settings = GenerationSettings(max_tokens=max_tokens)

    def fmkit_call() -> tuple[int, float]:
        started = time.perf_counter()
        text = "".join(runtime.stream(prompt, settings))
        return len(runtime.tokenize(text)), time.perf_counter() - started

    def raw_call(cached: bool = False) -> tuple[int, float]:
        started = time.perf_counter()
        if not cached:
            raw.reset()
        out: Any = raw.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, top_k=1)
        return int(out["usage"]["completion_tokens"]), time.perf_counter() - started

    fmkit_call(), raw_call()  # warm-up
    calls = {
        "fmkit llama.cpp": fmkit_call,
        "raw llama-cpp-python": raw_call,
        "raw, prompt cached": lambda: raw_call(cached=True),
    }
    rates: dict[str, list[float]] = {name: [] for name in calls}
    tokens: dict[str, int] = {}
    for _ in range(repeats):
        for name, call in calls.items():
            n, seconds = call()
            rates[name].append(n / seconds)
            tokens[name] = n
    return rates, tokens, len(runtime._prompt_tokens(prompt))


def transformers_rates(card: Any, max_tokens: int, repeats: int) -> tuple[list[float], int]:
    """Tokens/s of fmkit's transformers runtime on the same GGUF, dequantized."""
    from fmkit.catalog import resolve
    from fmkit.llm.runtime import GenerationSettings, open_runtime

    runtime: Any = open_runtime(card, resolve(card), "transformers", 4096)
    prompt = runtime.chat([{"role": "user", "content": QUESTION}])
    rates, n = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        text = "".join(runtime.stream(prompt, GenerationSettings(max_tokens=max_tokens)))
        n = len(runtime.tokenize(text))
        rates.append(n / (time.perf_counter() - started))
    return rates, n


def plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["median_tokens_per_second"])
    values = [results["median_tokens_per_second"][n] for n in names]
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=110)
    bars = ax.barh(names, values, color=["tab:blue", "tab:gray", "silver", "tab:orange"][: len(names)])
    for bar, name in zip(bars, names, strict=True):
        ratio = results["ratio_to_raw_llama_cpp"][name]
        ax.text(
            bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {bar.get_width():.0f} ({ratio:.2f}x)", va="center"
        )
    ax.set_xlabel(f"generated tokens/s (median), {results['model']}, {results['threads']} threads, greedy")
    ax.set_xlim(0, max(values) * 1.3)
    fig.tight_layout()
    fig.savefig(RESULTS.with_suffix(".png"))
    plt.close(fig)


if __name__ == "__main__":
    main()
