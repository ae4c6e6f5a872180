"""Text to JSON: `extract(text, Schema, llm)` returns a validated pydantic object.

    class Order(BaseModel):
        customer: str
        item: str
        quantity: int
        city: str | None = None

    found = extract("Maria wants 3 blue mugs sent to Lisbon.", Order, llm)
    found.value   # Order(customer='Maria', item='blue mugs', quantity=3, city='Lisbon')

Three layers make it reliable with a small model:
1. constrained decoding where the backend has it (llama.cpp grammar, Ollama `format`): the reply
   can only be JSON of the schema's shape;
2. a forgiving reader (fences, prose around the object, trailing commas, Python literals);
3. pydantic validation, and on failure a retry with the validation error fed back to the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.agent.actions import FENCE, balanced_objects, load_object
from shared.llm import ChatBackend, LLMError

T = TypeVar("T", bound=BaseModel)
CONSTRAINED_BACKENDS = {"embedded", "ollama"}  # backends that honour a JSON schema in response_format

PROMPT = """Extract the information in the text below as one JSON object that follows this JSON \
schema:
{schema}
Reply with the JSON object only. Use null for a field the text does not give.

Text:
{text}"""


@dataclass
class Extraction:
    """value: the validated object, or None after the last attempt failed; errors: one per failure."""

    value: BaseModel | None
    attempts: int
    errors: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    tokens: int = 0

    @property
    def ok(self) -> bool:
        return self.value is not None


def read_json_object(text: str) -> Any:
    """The first JSON object in `text` (whole text, fenced block, then balanced {...}), or None."""
    candidates = [text.strip()] + [m.group(1).strip() for m in FENCE.finditer(text)]
    candidates += balanced_objects(text)
    for candidate in candidates:
        value, _ = load_object(candidate)
        if isinstance(value, dict):
            return value
    return None


def short_errors(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'object'}: {e['msg']}"
                     for e in err.errors())


def extract(
    text: str,
    schema: type[T],
    llm: ChatBackend,
    retries: int = 2,
    constrained: bool | None = None,
    max_tokens: int = 300,
) -> Extraction:
    """Extract `schema` from `text`; up to `retries` more tries, each told what failed before.

    constrained: None picks schema-constrained decoding where the backend supports it.
    """
    if constrained is None:
        constrained = llm.name in CONSTRAINED_BACKENDS
    json_schema = schema.model_json_schema()
    messages = [{"role": "user", "content": PROMPT.format(schema=json.dumps(json_schema), text=text)}]
    request: dict[str, Any] = {}
    if constrained:
        request["response_format"] = {"type": "json_object", "schema": json_schema}
    result = Extraction(value=None, attempts=0)
    for _ in range(retries + 1):
        result.attempts += 1
        try:
            reply = llm.chat(messages, temperature=0.0, max_tokens=max_tokens, **request)
        except LLMError as err:
            result.errors.append(f"the model call failed: {err}")
            break
        result.raw.append(reply.content)
        result.tokens += reply.usage.total_tokens
        data = read_json_object(reply.content)
        if data is None:
            problem = ("the reply was cut off before the JSON object ended" if reply.truncated
                       else "the reply held no JSON object")
        else:
            try:
                result.value = schema.model_validate(data)
                return result
            except ValidationError as err:
                problem = f"the JSON did not match the schema: {short_errors(err)}"
        result.errors.append(problem)
        messages += [{"role": "assistant", "content": reply.content},
                     {"role": "user", "content": f"That was not right: {problem}. Reply with the "
                      "corrected JSON object only."}]
    return result
