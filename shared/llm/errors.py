"""Errors a learner meets when talking to a model. Each carries one sentence on what to do next."""

from __future__ import annotations

from shared.errors import AgentlabError


class LLMError(AgentlabError):
    """Base class: `str(err)` is the problem, `err.hint` says what to do about it (a command
    line wrapped in shared.cli.run_main prints both as one line, no traceback)."""

    transient = False  # True when retrying the same call may succeed

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}: {self.hint}" if self.hint else text


class BackendUnavailable(LLMError):
    """The server did not answer (connection refused, reset, DNS failure)."""

    transient = True


class ModelNotFound(LLMError):
    """The server answered but does not have the model asked for."""


class LLMTimeout(LLMError):
    """The reply did not arrive in full within the call's timeout (a total time, streams included)."""

    transient = True


class RateLimited(LLMError):
    """HTTP 429. `retry_after` is the server's suggested wait in seconds, if it gave one."""

    transient = True

    def __init__(self, message: str, hint: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, hint)
        self.retry_after = retry_after


class ServerError(LLMError):
    """HTTP 5xx or an error object in the middle of a stream."""

    transient = True


class BadRequest(LLMError):
    """HTTP 4xx other than 404/429: the request itself is wrong, retrying will not help."""


class BadResponse(LLMError):
    """The server answered with something we cannot read."""


class ModelFileError(LLMError):
    """The embedded model's file is missing, incomplete or fails its checksum."""
