"""Serving throughput and latency: ``fmkit serve`` vs a plain transformers ``pipeline`` behind a minimal
FastAPI app, same model size, same machine, same load, in the same run.

The served model is the bundled MiniLM-L6 as a linear-probe classifier fit on 256 SST-2 training sentences
per class; ``fmkit serve`` runs it as trained (fp32) and with ``--backend int8`` (dynamic quantization of
the encoder's linear layers), whose accuracy change on the full SST-2 validation split is measured
in-process. The anchor is ``benchmarks/_pipeline_app.py``: ``pipeline("text-classification")`` over the
same MiniLM weights in a one-route FastAPI app on uvicorn (its 2-label head is untrained: the compute per
text is the same, and only speed is compared). Load: ``--clients`` concurrent closed-loop clients, each
sending one SST-2 validation sentence per request (online traffic), ``--seconds`` per measurement after a
warm-up; the servers take turns for ``--rounds`` rounds so that drift in the machine's speed hits all of
them. Recorded: requests/s, p50 and p99 latency as the clients saw them.

Also: the machine's fp32 matmul GFLOP/s (2048x2048, measured in the same run), the encoder's FLOPs per text
(torch's FLOP counter on the benchmark's own texts), and so the fraction of the machine's matmul rate that
fmkit serve turns into model FLOPs.

    python benchmarks/serving.py                       # writes results/serving.json and .png
    python benchmarks/serving.py --seconds 30 --clients 32

``fmkit serve --engine ray --replicas 2`` is measured too (a local Ray instance, each replica on half the
cores), against the one-process server.

Measure on a quiet machine: the servers and the load generator share the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("FMKIT_PROGRESS", "0")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _results  # noqa: E402

RESULTS = HERE / "results" / "serving.json"
SHARED = HERE.parents[1] / "shared" / "datasets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    texts = _texts()
    with tempfile.TemporaryDirectory(prefix="fmkit-bench-") as tmp:
        home, artifact = _registered_home(Path(tmp))
        minilm = _minilm_dir()
        quantized = _int8_quality(artifact)
        print(f"int8: {quantized}", flush=True)
        runs: dict[str, list[dict[str, float]]] = {
            "fmkit serve": [],
            "fmkit serve int8": [],
            "fmkit serve ray x2": [],
            "transformers pipeline": [],
        }
        for _ in range(args.rounds):
            for name, measured in runs.items():
                port = _free_port()
                server = _start(name, port, home, minilm)
                try:
                    _wait_ready(port)
                    asyncio.run(_load(port, texts, args.clients, args.warmup))  # warm-up, discarded
                    measured.append(asyncio.run(_load(port, texts, args.clients, args.seconds)))
                finally:
                    server.send_signal(signal.SIGTERM)
                    server.wait(timeout=60)
                print(f"{name}: {measured[-1]}", flush=True)
    summary = {name: {k: round(statistics.median(r[k] for r in rs), 2) for k in rs[0]} for name, rs in runs.items()}
    anchor = summary["transformers pipeline"]
    gflops = _matmul_gflops()
    per_text = _flops_per_text(minilm, texts)
    fmkit_rate = summary["fmkit serve"]["requests_per_second"]
    results = {
        "clients": args.clients,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "cores": len(os.sched_getaffinity(0)),
        "runs": runs,
        "summary": summary,
        "throughput_ratio": round(fmkit_rate / anchor["requests_per_second"], 2),
        "p99_ratio": round(summary["fmkit serve"]["p99_ms"] / anchor["p99_ms"], 2),
        "matmul_gflops": round(gflops, 1),
        "model_gflop_per_text": round(per_text / 1e9, 4),
        "fraction_of_matmul_rate": round(fmkit_rate * per_text / 1e9 / gflops, 3),
        "int8": quantized
        | {
            "serving_throughput_ratio_vs_fp32": round(
                summary["fmkit serve int8"]["requests_per_second"] / fmkit_rate, 2
            ),
        },
        "ray_x2_throughput_ratio_vs_one_process": round(
            summary["fmkit serve ray x2"]["requests_per_second"] / fmkit_rate, 2
        ),
        "ray_x2_p99_ratio_vs_one_process": round(
            summary["fmkit serve ray x2"]["p99_ms"] / summary["fmkit serve"]["p99_ms"], 2
        ),
    }
    _results.save(RESULTS, results)
    _plot(results)
    print(
        f"int8: {results['int8']}; "
        f"throughput {results['throughput_ratio']}x the pipeline app, p99 {results['p99_ratio']}x; "
        f"{100 * results['fraction_of_matmul_rate']:.1f}% of the {gflops:.0f} GFLOP/s matmul rate; "
        f"ray x2 {results['ray_x2_throughput_ratio_vs_one_process']}x one process"
    )


def _texts() -> list[str]:
    from fmkit.data import load_labeled

    source = SHARED / "sst2" / "validation.csv"
    if not source.exists():
        raise SystemExit(f"skipped: {source} is absent")
    texts = list(load_labeled(str(source), label_col="label_text").texts)
    random.Random(0).shuffle(texts)
    return texts


def _registered_home(root: Path) -> tuple[Path, Path]:
    import fmkit
    from fmkit.data import load_labeled, sample_per_class
    from fmkit.workspace import Workspace

    train = sample_per_class(load_labeled(str(SHARED / "sst2" / "train.csv"), label_col="label_text"), 256, 0)
    artifact = fmkit.adapt(train, method="linear-probe", out=root / "artifact")
    home = root / "home"
    ws = Workspace.open(home=home)
    ws.add(artifact.path, name="tickets")  # type: ignore[arg-type]
    ws.set_alias("tickets", "champion")
    return home, root / "artifact"


def _int8_quality(artifact: Path) -> dict[str, float]:
    """SST-2 validation accuracy and in-process items/s (batches of 64) of the served model, fp32 and int8."""
    import fmkit
    from fmkit.data import load_labeled
    from fmkit.serving.backends import apply_backend

    valid = load_labeled(str(SHARED / "sst2" / "validation.csv"), label_col="label_text")
    out: dict[str, float] = {}
    for backend in ("fp32", "int8"):
        model = apply_backend(fmkit.load(artifact), backend)
        model.predict(list(valid.texts[:64]))  # warm-up
        started = time.perf_counter()
        predicted = model.predict(list(valid.texts))
        seconds = time.perf_counter() - started
        out[f"accuracy_{backend}"] = round(
            100 * sum(p == t for p, t in zip(predicted, valid.labels, strict=True)) / len(valid), 2
        )
        out[f"items_per_second_{backend}"] = round(len(valid) / seconds, 1)
    out["speedup_in_process"] = round(out["items_per_second_int8"] / out["items_per_second_fp32"], 2)
    return out


def _minilm_dir() -> Path:
    from fmkit.catalog import Catalog, resolve

    return resolve(Catalog().get("minilm-l6"))


def _start(name: str, port: int, home: Path, minilm: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FMKIT_HOME": str(home), "PIPELINE_MODEL": str(minilm)}
    env.pop("FMKIT_DB_URL", None)
    if name.startswith("fmkit serve"):
        backend = "int8" if name.endswith("int8") else "fp32"
        command = [sys.executable, "-m", "fmkit", "serve", "--model", "tickets", "--port", str(port)]
        command += ["--backend", backend] + (["--engine", "ray", "--replicas", "2"] if "ray" in name else [])
    else:
        command = [sys.executable, "-m", "uvicorn", "_pipeline_app:app", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(command, env=env, cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server on port {port} did not start")


async def _load(port: int, texts: list[str], clients: int, seconds: float) -> dict[str, float]:
    import httpx

    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(i: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        n = i
        while time.perf_counter() < stop:
            started = time.perf_counter()
            response = await http.post("/v1/predict", json={"inputs": [texts[n % len(texts)]]})
            if response.status_code == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
            n += clients

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as http:
        began = time.perf_counter()
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "requests_per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "errors": float(errors),
    }


def _matmul_gflops(size: int = 2048, repeats: int = 10) -> float:
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - started)
    return 2 * size**3 / statistics.median(times) / 1e9


def _flops_per_text(minilm: Path, texts: list[str], n: int = 256) -> float:
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(minilm)
    model = AutoModel.from_pretrained(minilm).eval()
    total = 0
    with torch.inference_mode():
        for text in texts[:n]:  # one text per request, as served: no padding
            counter = FlopCounterMode(display=False)
            with counter:
                model(**tokenizer([text], return_tensors="pt", truncation=True, max_length=256))
            total += counter.get_total_flops()
    return total / n


def _plot(results: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["summary"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), dpi=110)
    rates = [results["summary"][n]["requests_per_second"] for n in names]
    axes[0].bar(names, rates, color=["tab:blue", "tab:cyan", "tab:purple", "tab:gray"][: len(names)])
    axes[0].set_ylabel("requests / s (one text each)")
    axes[0].set_title(f"Throughput, {results['clients']} clients ({results['throughput_ratio']}x)")
    width = 0.35
    axes[0].tick_params(axis="x", labelsize=8)
    for i, key in enumerate(("p50_ms", "p99_ms")):
        axes[1].bar([x + i * width for x in range(len(names))], [results["summary"][n][key] for n in names], width,
                    label=key.replace("_ms", ""))  # fmt: skip
    axes[1].set_xticks([x + width / 2 for x in range(len(names))], names)
    axes[1].set_ylabel("latency, ms")
    axes[1].set_title("Latency as the clients saw it")
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(RESULTS.with_suffix(".png"))
    plt.close(fig)


if __name__ == "__main__":
    main()
