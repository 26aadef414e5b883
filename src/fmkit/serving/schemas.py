"""The HTTP request and response bodies (pydantic): unknown fields are refused, strings are strict."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Interval
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    create_model,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PredictRequest(_Strict):
    inputs: list[StrictStr] = Field(description="Texts to classify.")


def _text(max_chars: int) -> Any:
    return Annotated[StrictStr, StringConstraints(min_length=1, max_length=max_chars, pattern=r"\S")]


def _texts(max_inputs: int, max_chars: int) -> Any:
    return Annotated[list[_text(max_chars)], Field(min_length=1, max_length=max_inputs)]  # type: ignore[misc]


# The request bodies with this server's limits in their schema, so clients (and fuzzers) can see them.
def predict_request(max_inputs: int, max_chars: int) -> type[PredictRequest]:
    inputs: Any = _texts(max_inputs, max_chars)
    return create_model("PredictRequest", __base__=PredictRequest, inputs=(inputs, ...))


def embeddings_request(max_inputs: int, max_chars: int) -> type[EmbeddingsRequest]:
    one_or_many: Any = _text(max_chars) | _texts(max_inputs, max_chars)
    return create_model("EmbeddingsRequest", __base__=EmbeddingsRequest, input=(one_or_many, ...))


def chat_request(max_chars: int) -> type[ChatRequest]:
    role: Any = Annotated[str, StringConstraints(pattern="^user$")]
    message: Any = create_model("ChatMessage", __base__=ChatMessage, role=(role, ...), content=(_text(max_chars), ...))
    messages: Any = Annotated[list[message], Field(min_length=1, max_length=1)]  # type: ignore[valid-type]
    return create_model("ChatRequest", __base__=ChatRequest, messages=(messages, ...))


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
    log_ship_last_error: str | None = None  #: why the last write of the logs to the database failed


class EmbeddingsRequest(_Strict):
    """OpenAI-compatible: ``input`` is one text or a list of texts; ``model`` is accepted and ignored."""

    input: StrictStr | list[StrictStr]
    model: StrictStr | None = None
    encoding_format: StrictStr | None = Field(default=None, pattern="^float$")


class Embedding(BaseModel):
    object: str = "embedding"
    index: int
    embedding: list[float]


class Usage(BaseModel):
    prompt_tokens: int
    total_tokens: int
    completion_tokens: int | None = None


class EmbeddingsResponse(BaseModel):
    object: str = "list"
    data: list[Embedding]
    model: str
    usage: Usage


class ChatMessage(_Strict):
    role: Annotated[str, StringConstraints(pattern="^(system|user|assistant)$")]
    content: StrictStr


class ChatRequest(_Strict):
    """OpenAI-compatible chat completion request (the subset a served fmkit generator honours)."""

    messages: list[ChatMessage] = Field(min_length=1)
    model: StrictStr | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=4096)
    temperature: float | None = Field(default=None, ge=0, le=2)
    stream: bool = False


class ChatChoice(BaseModel):
    index: int = 0
    message: dict[str, str]
    finish_reason: str = "stop"


class ChatResponse(BaseModel):
    id: str
    object: str = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]


def _whole(value: Any) -> Any:
    """JSON has one number type: 7.0 is the integer 7 (as JSON Schema says); 7.5 and "7" stay invalid."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


TaskId = Annotated[StrictInt, Interval(ge=1, le=2**31 - 1), BeforeValidator(_whole)]
# at least one character Python's str.strip() keeps (as fmkit.improve.queue checks names): regex \s lacks \x1c-\x1f
NAME_PATTERN = r"[^\s\x1c-\x1f]"
BLANK_PATTERNS = (r"\S", NAME_PATTERN)  # the patterns that mean "not empty or blank"
Labeler = Annotated[StrictStr, StringConstraints(min_length=1, max_length=100, pattern=NAME_PATTERN)]


class LabelTaskOut(BaseModel):
    id: int
    prediction_id: str
    text: str
    guess: str = Field(description="The label the serving model predicted.")
    confidence: float = Field(description="The model's probability for its guess.")
    labels: list[str]
    strategy: str
    priority: float


class QueueCounts(BaseModel):
    pending: int
    labeled: int
    skipped: int


class NextTasks(BaseModel):
    tasks: list[LabelTaskOut]
    counts: QueueCounts


class LabelRequest(_Strict):
    task_id: TaskId
    label: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]
    who: Labeler = Field(description="The person labeling (stored with the label).")


class SkipRequest(_Strict):
    task_id: TaskId
    who: Labeler


class UndoRequest(_Strict):
    who: Labeler


class LabelDone(BaseModel):
    task_id: int
    status: str = Field(description="labeled | skipped | pending (after an undo)")
    counts: QueueCounts
