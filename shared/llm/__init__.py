"""The LLM layer: one small interface, several backends.

    from shared.llm import get_llm
    llm = get_llm()                      # auto: Ollama if it answers and has the model, else embedded
    reply = llm.chat([{"role": "user", "content": "Say hi"}])
    print(reply.content, reply.usage, llm.usage.summary())
"""

from shared.llm.backend import ChatBackend
from shared.llm.errors import (
    BackendUnavailable,
    BadRequest,
    BadResponse,
    LLMError,
    LLMTimeout,
    ModelFileError,
    ModelNotFound,
    RateLimited,
    ServerError,
)
from shared.llm.scripted import ScriptedBackend, tool_call_reply
from shared.llm.select import get_llm
from shared.llm.types import ChatResult, Message, ToolCall, Usage
from shared.llm.usage import UsageTracker

__all__ = [
    "BackendUnavailable",
    "BadRequest",
    "BadResponse",
    "ChatBackend",
    "ChatResult",
    "LLMError",
    "LLMTimeout",
    "Message",
    "ModelFileError",
    "ModelNotFound",
    "RateLimited",
    "ScriptedBackend",
    "ServerError",
    "ToolCall",
    "Usage",
    "UsageTracker",
    "get_llm",
    "tool_call_reply",
]
