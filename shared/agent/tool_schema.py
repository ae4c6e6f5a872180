"""A tool is a plain function; its JSON schema comes from its signature and docstring.

    def read_file(path: str, max_chars: int = 4000) -> str:
        '''Read a text file of the workspace.

        Args:
            path: the file, relative to the workspace root.
            max_chars: the most characters returned.
        '''

    tool_schema(read_file)
    # {"name": "read_file", "description": "Read a text file of the workspace.",
    #  "parameters": {"type": "object", "properties": {"path": {"type": "string", "description":
    #  "the file, ..."}, "max_chars": {"type": "integer", "default": 4000, ...}},
    #  "required": ["path"]}}

The types come from the annotations (through pydantic, so list[str], Literal[...] and so on
work), the descriptions from the docstring's first paragraph and its `Args:` section.
Written once: the same schema goes into the prompt, into native tool calling and into the
grammar of constrained decoding; the same pydantic model validates the model's arguments.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

ARG_LINE = re.compile(r"^\s{0,8}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.+)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """(summary, {argument name: description}) from a Google-style docstring."""
    if not doc:
        return "", {}
    text = inspect.cleandoc(doc)
    summary_part, _, rest = text.partition("\nArgs:")
    summary = " ".join(summary_part.split("\n\n")[0].split())
    described: dict[str, str] = {}
    current = None
    for line in rest.splitlines():
        if line and not line.startswith(" ") and line.rstrip().endswith(":"):
            break  # the next section (Returns:, Raises:)
        match = ARG_LINE.match(line)
        if match and line.startswith("    ") and not line.startswith("        "):
            current = match.group(1)
            described[current] = match.group(2).strip()
        elif current and line.strip():
            described[current] += " " + line.strip()
    return summary, described


def arguments_model(fn: Callable[..., Any]) -> type[BaseModel]:
    """A pydantic model of `fn`'s parameters: it validates a call's arguments (extra keys refused)."""
    hints = get_type_hints(fn)
    _, described = parse_docstring(fn.__doc__)
    fields: dict[str, Any] = {}
    for name, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(name, Any)
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (annotation, Field(default, description=described.get(name)))
    return create_model(
        f"{fn.__name__}_arguments", __config__=ConfigDict(extra="forbid"), **fields
    )


def tool_schema(fn: Callable[..., Any]) -> dict[str, Any]:
    """{"name", "description", "parameters"} for `fn` (the function part of an OpenAI tool)."""
    summary, _ = parse_docstring(fn.__doc__)
    parameters = arguments_model(fn).model_json_schema()
    parameters.pop("title", None)
    for prop in parameters.get("properties", {}).values():
        prop.pop("title", None)
    parameters.setdefault("required", [])
    return {"name": fn.__name__, "description": summary, "parameters": parameters}
