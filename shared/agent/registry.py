"""The tool registry: list the tools, describe them to the model, validate a call, run it.

    registry = ToolRegistry([read_file, write_file])
    registry.schemas()                               # OpenAI-style tool list for `tools=`
    observation = registry.run("read_file", {"path": "notes.txt"})
    observation.ok, observation.text                 # every outcome is an observation, errors too

The model never sees a Python traceback from us: an unknown tool, a wrong argument, a refused
path or a crash inside a tool all come back as an Observation whose text says what went wrong
and what to do instead, so that the loop can hand it to the model and go on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.agent.tool_schema import arguments_model, tool_schema

MAX_OBSERVATION_CHARS = 3000  # what one observation may put into the conversation


@dataclass
class Observation:
    """What a tool call produced. kind: "ok", "error" (the tool ran and failed), "invalid"
    (unknown tool or bad arguments: the tool never ran) or "refused" (a guardrail said no)."""

    text: str
    kind: str = "ok"
    changed_files: bool = False  # the call wrote to the workspace (even if what it wrote is broken)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class ToolError(Exception):
    """Raised inside a tool for an error the model should read (one plain sentence)."""


def truncate(text: str, limit: int = MAX_OBSERVATION_CHARS) -> str:
    """Keep the head and tail of a long text, with a note that says how much was cut."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 3):]
    cut = len(text) - len(head) - len(tail)
    return f"{head}\n[... {cut} characters cut: the output was too long ...]\n{tail}"


@dataclass
class Tool:
    function: Callable[..., Any]
    schema: dict[str, Any]
    arguments: type[BaseModel]


class ToolRegistry:
    """The tools an agent may call, by name."""

    def __init__(self, functions: Iterable[Callable[..., Any]] = ()) -> None:
        self.tools: dict[str, Tool] = {}
        for fn in functions:
            self.register(fn)

    def register(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Add a plain function as a tool (usable as a decorator)."""
        self.tools[fn.__name__] = Tool(fn, tool_schema(fn), arguments_model(fn))
        return fn

    @property
    def names(self) -> list[str]:
        return list(self.tools)

    def schemas(self) -> list[dict[str, Any]]:
        """The tools in OpenAI's `tools=` format."""
        return [{"type": "function", "function": t.schema} for t in self.tools.values()]

    def describe(self) -> str:
        """One line per tool for a prompt: name(arg: type, ...): description."""
        lines = []
        for name, tool in self.tools.items():
            props = tool.schema["parameters"].get("properties", {})
            required = set(tool.schema["parameters"].get("required", []))
            args = ", ".join(
                f"{arg}: {spec.get('type', 'any')}{'' if arg in required else ' (optional)'}"
                for arg, spec in props.items()
            )
            lines.append(f"- {name}({args}): {tool.schema['description']}")
        return "\n".join(lines)

    def validate(self, name: str, arguments: Any) -> tuple[dict[str, Any] | None, str]:
        """(validated arguments, "") or (None, a sentence saying what is wrong with the call)."""
        if name not in self.tools:
            return None, f"there is no tool named {name!r}; the tools are: {', '.join(self.names)}"
        if not isinstance(arguments, dict):
            return None, f"the arguments of {name} must be a JSON object, not {type(arguments).__name__}"
        try:
            model = self.tools[name].arguments.model_validate(arguments)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in err.errors()
            )
            expected = json.dumps(self.tools[name].schema["parameters"].get("properties", {}))
            return None, f"bad arguments for {name} ({problems}). Expected: {expected}"
        return model.model_dump(), ""

    def run(self, name: str, arguments: Any) -> Observation:
        """Validate and run one call; always returns an Observation, never raises."""
        valid, problem = self.validate(name, arguments)
        if valid is None:
            return Observation(problem, "invalid")
        try:
            result = self.tools[name].function(**valid)
        except ToolError as err:
            return Observation(truncate(str(err)), "error")
        except Exception as err:  # noqa: BLE001 - a crashing tool is an observation, not a crash
            return Observation(f"the tool {name} failed: {type(err).__name__}: {err}", "error")
        if isinstance(result, Observation):
            return Observation(truncate(result.text), result.kind, result.changed_files)
        text = result if isinstance(result, str) else json.dumps(result, default=str)
        return Observation(truncate(text))
