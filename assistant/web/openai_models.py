"""The OpenAI-compatible API's requests and responses as pydantic models (OpenAI's shapes, as far as this server
uses them: https://platform.openai.com/docs/api-reference/chat)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, NonNegativeInt, model_validator
from pydantic_core import PydanticCustomError

from ..config import MAX_QUESTION_CHARS
from .contract import Body
from .models import NOT_BLANK, Answer, QuestionText

MODEL = "iliopsoas-assistant"
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
OTHER_PARTS = ("image_url", "input_audio", "file", "refusal")


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIError(BaseModel):
    """Any error, in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""

    error: OpenAIErrorDetail


class Part(BaseModel):
    """Content parts and messages keep OpenAI's other fields (name, tool_calls...), which are ignored."""

    model_config = ConfigDict(extra="allow", strict=True)


class TextPart(Part):
    type: Literal["text"]
    text: Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]


class OtherPart(Part):
    """An image, sound or file: left out, since the articles can only answer words."""

    type: Literal[OTHER_PARTS]


def has_words(parts: list) -> list:
    """Refuse a user message's content parts unless a text part has a letter or digit (else it asks nothing)."""
    if not any(isinstance(part, TextPart) and any(c.isalnum() for c in part.text) for part in parts):
        raise PydanticCustomError("blank", "is blank: no text part has a letter or digit; send "
                                           '[{"type": "text", "text": "How do I stretch my hip flexors?"}]')
    return parts


AnyPart = Annotated[TextPart | OtherPart, Field(discriminator="type")]
# A user message's parts: a text part with words among them (JSON Schema's contains says so).
UserParts = Annotated[list[AnyPart], AfterValidator(has_words), Field(min_length=1, json_schema_extra={
    "contains": {"type": "object", "required": ["type", "text"], "properties": {
        "type": {"const": "text"}, "text": {"type": "string", "pattern": NOT_BLANK}}}})]


class UserMessage(Part):
    role: Literal["user"]
    content: QuestionText | UserParts = Field(
        description="The question: a string, or content parts whose text parts are read (others are left out); "
                    f"at most {MAX_QUESTION_CHARS:,} characters in all.")


class OtherMessage(Part):
    role: Literal[tuple(role for role in ROLES if role != "user")]
    content: str | list[AnyPart] | None = Field(default=None, description="Not read.")


Message = Annotated[UserMessage | OtherMessage, Field(discriminator="role")]


class ChatRequest(Body):
    """The last user message is the question, the earlier ones (the latest 10) its history. Other fields of
    OpenAI's (n, temperature, max_tokens, top_p ...) are accepted and ignored: the answer is verbatim text from
    the articles, one choice, never cut short."""

    model_config = ConfigDict(extra="allow", strict=True)
    example = f'{{"model": "{MODEL}", "messages": [{{"role": "user", "content": "How do I stretch my hip flexors?"}}]}}'
    # A string here, not Literal[MODEL]: another model is OpenAI's 404 model_not_found, which clients act on.
    model: str = Field(json_schema_extra={"enum": [MODEL]})
    messages: list[Message] = Field(min_length=1, json_schema_extra={
        "contains": {"type": "object", "required": ["role"], "properties": {"role": {"const": "user"}}}})
    stream: bool | None = Field(default=False, description="Send the reply as server-sent events of "
                                                           "chat.completion.chunk objects.")

    @model_validator(mode="after")
    def has_a_question(self):
        if not any(isinstance(message, UserMessage) for message in self.messages):
            raise PydanticCustomError("no_question", "messages holds no user message; the last one is the question, "
                                                     "like {example}", {"example": self.example})
        return self


class ReplyMessage(BaseModel):
    role: Literal["assistant"]
    content: str = Field(description="Markdown: urgent-care advice when urgent, the answer, the passages quoted with "
                                     "numbered citations, the disclaimer.")


class Choice(BaseModel):
    index: NonNegativeInt
    message: ReplyMessage
    finish_reason: Literal["stop"]


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: NonNegativeInt
    model: Literal[MODEL]
    choices: list[Choice] = Field(min_length=1, max_length=1)
    result: Answer = Field(description="The result object, as POST /api/answer returns it.")


class ModelCard(BaseModel):
    id: Literal[MODEL]
    object: Literal["model"]
    created: NonNegativeInt
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]
