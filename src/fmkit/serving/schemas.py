"""The HTTP request and response bodies (pydantic): unknown fields are refused, strings are strict."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PredictRequest(_Strict):
    inputs: list[StrictStr] = Field(description="Texts to classify, 1..max_inputs of them.")


class Prediction(BaseModel):
    id: str = Field(description="The prediction id: send it back with /v1/feedback.")
    label: str
    probabilities: dict[str, float]
    model_version: str


class PredictResponse(BaseModel):
    predictions: list[Prediction]
    model_version: str
    request_id: str


class FeedbackRequest(_Strict):
    prediction_id: StrictStr
    label: StrictStr = Field(description="The true label of the prediction's input.")
    id: StrictStr | None = Field(default=None, max_length=36, description="Idempotency key (a UUID).")


class FeedbackResponse(BaseModel):
    id: str
    prediction_id: str
    accepted: bool = True


class ErrorBody(BaseModel):
    type: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    ready: bool
    model: str
    version: str
    alias: str | None
    log_backlog_bytes: int
    log_ship_errors: int
