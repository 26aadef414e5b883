"""The anchor of benchmarks/serving.py: a plain transformers ``pipeline`` behind a minimal FastAPI app, the
way a first deployment usually looks (one route, the pipeline called per request, uvicorn defaults)."""

from __future__ import annotations

import os

from fastapi import FastAPI
from pydantic import BaseModel
from transformers import pipeline

app = FastAPI()
classifier = pipeline("text-classification", model=os.environ["PIPELINE_MODEL"], num_labels=2, device="cpu", top_k=None)


class Request(BaseModel):
    inputs: list[str]


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/v1/predict")
def predict(request: Request) -> dict[str, object]:
    return {"predictions": classifier(request.inputs)}
