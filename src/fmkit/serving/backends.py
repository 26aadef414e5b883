"""Inference backends for a served encoder classifier: ``fp32`` as trained, or ``int8``: PyTorch dynamic
quantization of every linear layer of the encoder (weights stored as int8, activations quantized on the fly
per batch; Jacob et al., 2018, "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-
Only Inference"). No calibration data is needed; the accuracy change is measured in benchmarks/serving.py."""

from __future__ import annotations

import warnings
from typing import Any

from fmkit.errors import ConfigError

BACKENDS = ("fp32", "int8")


def apply_backend(model: Any, backend: str) -> Any:
    """``model`` (a loaded fmkit classifier) run with ``backend``; the same object, changed in place."""
    if backend == "fp32":
        return model
    if backend != "int8":
        raise ConfigError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    network = getattr(getattr(model, "adapted", None), "model", None)
    if network is None or not hasattr(network, "body"):
        method = getattr(model, "method", type(model).__name__)
        raise ConfigError(f"--backend int8 quantizes encoder classifiers; this model ({method}) is not one: use fp32")
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():  # torch marks its quantized tensors deprecated in favour of torchao
        warnings.simplefilter("ignore")
        network.body = quantize_dynamic(network.body.float().eval(), {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]
    return model
