"""Four ways to get an action out of the model, each selectable and measured (bench.py).

    json         the action as a JSON object in the reply's text; forgiving parser with fallbacks
    tags         Qwen's native `<tool_call>{...}</tool_call>` format, described in the prompt
    native       `tools=` passed to the backend; its tool_calls are read, but since Qwen2.5-Coder
                 often writes the call as bare or fenced JSON in the content anyway (measured
                 with llama.cpp and reported on Ollama), parsing the content is the main path
    constrained  `response_format` with the JSON schema of every valid action: the backend
                 (llama.cpp grammar, Ollama `format`) can only produce such an object

A format says what to put in the system prompt, what to pass to `llm.chat`, how to read the
reply, and how the conversation records the call and its observation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.agent.actions import FINAL, Action, ParseError, parse_json_action, parse_tag_action
from shared.agent.registry import Observation, ToolRegistry
from shared.llm import ChatResult

FORMATS = ("json", "tags", "native", "constrained")
THINK_MAX_CHARS = 300  # constrained decoding: a "think" cannot ramble until the token limit

INTRO = """You are a careful coding agent. You work in a folder called the workspace, and you act \
only by calling tools, one call per reply. After each call you get the tool's result as an \
Observation; then you decide the next call. When the task is done, call final_answer.

Tools:
{tools}

How to work:
- Look before you change anything: read the files, run programs to see their errors.
- To fix a line, use edit_file with the exact old line and the new line.
- write_file replaces the whole file: use it for new files, with the complete content.
- After you change code, run it to check that it works.
- Paths are relative to the workspace, e.g. sandbox/broken.py; "." is the whole workspace.
"""

JSON_RULES = """Reply with exactly one JSON object and nothing else, in this form:
{{"think": "<one short sentence: what you do next and why>", "name": "<tool>", "arguments": {{...}}}}
For example:
{{"think": "First I look at the file.", "name": "read_file", "arguments": {{"path": "notes.txt"}}}}
"""

TAG_RULES = """For each call, write one short sentence of thinking, then the call inside \
<tool_call></tool_call> tags, in this form:
I need to see the file first.
<tool_call>
{{"name": "read_file", "arguments": {{"path": "notes.txt"}}}}
</tool_call>
"""

NATIVE_RULES = """Call exactly one tool per reply. Say in one short sentence what you do next \
and why, then make the call.
"""


# Worked examples, shown to the model before its task as earlier turns of the conversation
# (few-shot). Small models copy the shape of a demonstration far better than they follow rules.
# The first fixes a file: read before writing, edit the wrong line, run it, then answer. The
# second creates a file: look around, write a new script with write_file, run it, then answer.
Step = tuple[str, str, dict[str, Any], str]  # think, tool, arguments, observation

FIX_TASK = ("Read demo/greet.py, find the bug, fix it, write the fixed version back to "
            "demo/greet.py, and run it.")
FIX_SOURCE = 'def greet(name):\n    return "Hello, " + nme\n\n\nprint(greet("Ada"))\n'
FIX_ERROR = """(exit code 1)
stderr:
Traceback (most recent call last):
  File "demo/greet.py", line 5, in <module>
    print(greet("Ada"))
          ^^^^^^^^^^^^
  File "demo/greet.py", line 2, in greet
    return "Hello, " + nme
                       ^^^
NameError: name 'nme' is not defined. Did you mean: 'name'?"""
FIX_FAILED = ("\ndemo/greet.py failed: the last lines of the traceback say where and why. "
              "Fix that line with edit_file, then run it again.")
FIX_STEPS: list[Step] = [
    ("First I read the file to see the code.", "read_file", {"path": "demo/greet.py"},
     FIX_SOURCE),
    ("Now I run it to see the error.", "run_python", {"path": "demo/greet.py"},
     FIX_ERROR + FIX_FAILED),
    ("Line 2 uses nme, but the variable is called name. I fix that line.", "edit_file",
     {"path": "demo/greet.py", "old": '    return "Hello, " + nme',
      "new": '    return "Hello, " + name'},
     "wrote 67 bytes to demo/greet.py"),
    ("Now I run the fixed file to check it.", "run_python", {"path": "demo/greet.py"},
     "(exit code 0)\nstdout:\nHello, Ada"),
    ("It works.", "final_answer",
     {"answer": "Fixed the typo nme -> name in demo/greet.py; it now prints Hello, Ada."}, ""),
]

NEW_TASK = "Write a script words.py that prints how many words each .txt file in notes/ has, and run it."
NEW_SCRIPT = ("from pathlib import Path\n\n"
              "for path in sorted(Path(\"notes\").glob(\"*.txt\")):\n"
              "    print(path, len(path.read_text().split()))\n")
NEW_STEPS: list[Step] = [
    ("First I list the files to see what is there.", "list_files", {"path": "."},
     "notes/a.txt (31 bytes)\nnotes/b.txt (18 bytes)"),
    ("words.py does not exist yet, so I create it with write_file.", "write_file",
     {"path": "words.py", "content": NEW_SCRIPT}, f"wrote {len(NEW_SCRIPT)} bytes to words.py"),
    ("Now I run the new script to check it.", "run_python", {"path": "words.py"},
     "(exit code 0)\nstdout:\nnotes/a.txt 6\nnotes/b.txt 3"),
    ("It works.", "final_answer",
     {"answer": "Wrote words.py; it prints notes/a.txt 6 and notes/b.txt 3."}, ""),
]

DEMONSTRATIONS: list[tuple[str, list[Step]]] = [(FIX_TASK, FIX_STEPS), (NEW_TASK, NEW_STEPS)]


def final_answer(answer: str) -> str:
    """Finish the task and give the final answer (call this once the task is done).

    Args:
        answer: what was done and the result, in a sentence or two.
    """
    return answer


def action_schema(registry: ToolRegistry) -> dict[str, Any]:
    """The JSON schema of every valid action: one branch per tool, its arguments' schema inside."""
    branches = []
    for tool in registry.schemas():
        function = tool["function"]
        branches.append({
            "type": "object",
            "properties": {
                "think": {"type": "string"},
                "name": {"const": function["name"]},
                "arguments": function["parameters"],
            },
            "required": ["think", "name", "arguments"],
            "additionalProperties": False,
        })
    return {"anyOf": branches}


@dataclass
class ActionFormat:
    name: str

    def system_prompt(self, registry: ToolRegistry) -> str:
        rules = {"json": JSON_RULES, "constrained": JSON_RULES, "tags": TAG_RULES,
                 "native": JSON_RULES}[self.name]
        if self.name == "native":
            rules = NATIVE_RULES + "If you cannot make a native tool call, " + rules[0].lower() + rules[1:]
        return INTRO.format(tools=registry.describe()) + "\n" + rules.format()

    def render(self, think: str, name: str, arguments: dict[str, Any]) -> str:
        """An action written the way this format asks the model to write it."""
        if self.name == "tags":
            call = json.dumps({"name": name, "arguments": arguments})
            return f"{think}\n<tool_call>\n{call}\n</tool_call>"
        return json.dumps({"think": think, "name": name, "arguments": arguments})

    def demonstration(self) -> list[dict[str, Any]]:
        """The worked examples as conversation turns (user task, actions, observations)."""
        messages: list[dict[str, Any]] = []
        for task, steps in DEMONSTRATIONS:
            messages.append({"role": "user", "content": task})
            for think, name, arguments, observation in steps:
                messages.append({"role": "assistant", "content": self.render(think, name, arguments)})
                if observation:
                    kind = "error" if "failed" in observation else "ok"
                    messages.append({"role": "user", "content": f"Observation ({kind}):\n{observation}"})
        return messages

    def request(self, registry: ToolRegistry) -> dict[str, Any]:
        """Keyword arguments for llm.chat."""
        if self.name == "native":
            return {"tools": registry.schemas()}
        if self.name == "constrained":
            return {"response_format": {"type": "json_object", "schema": action_schema(registry)}}
        return {}

    def parse(self, result: ChatResult) -> Action | ParseError:
        """The reply -> an Action, or a ParseError that knows whether the reply was cut off."""
        if result.tool_calls:  # a backend that returned a real tool call: take the first
            call = result.tool_calls[0]
            action = Action(call.name, dict(call.arguments), result.content.strip(), "native")
            if call.name.lower() in {FINAL, "finish", "answer"}:
                action = Action(FINAL, {"answer": str(call.arguments.get("answer", ""))},
                                action.think, "native")
            return action
        text = result.content or ""
        whole = not result.truncated  # never complete a reply the token limit cut off
        action = (parse_tag_action(text, close_brackets=whole) if self.name == "tags"
                  else parse_json_action(text, close_brackets=whole))
        if isinstance(action, ParseError) and result.truncated:
            return ParseError(action.reason, truncated=True)
        if isinstance(action, Action) and not action.think:
            # Prose before the call is the thinking (the tags format asks for exactly that).
            before = text.split("<tool_call>")[0].split("```")[0].split("{")[0].strip()
            action.think = before[:THINK_MAX_CHARS]
        return action

    def assistant_message(self, result: ChatResult) -> dict[str, Any]:
        """What the conversation records of the model's reply."""
        if result.tool_calls and not result.content.strip():
            message = result.as_message()
            for call in message["tool_calls"]:  # some servers want the arguments as a string
                call["function"]["arguments"] = json.dumps(call["function"]["arguments"])
            return message
        return {"role": "assistant", "content": result.content}

    def observation_message(self, result: ChatResult, observation: Observation) -> dict[str, Any]:
        """The tool's result as the next message (role "tool" where a native call was made)."""
        text = f"Observation ({observation.kind}):\n{observation.text}"
        if result.tool_calls and not result.content.strip():
            return {"role": "tool", "content": text, "tool_call_id": result.tool_calls[0].id}
        return {"role": "user", "content": text}

    def correction(self, problem: ParseError, max_tokens: int) -> str:
        """The corrective message: a truncated reply and a malformed one need different advice."""
        reminder = ('<tool_call>\n{"name": "<tool>", "arguments": {...}}\n</tool_call>'
                    if self.name == "tags" else
                    '{"think": "<one sentence>", "name": "<tool>", "arguments": {...}}')
        if problem.truncated:
            return (f"Your reply was cut off: it reached the limit of {max_tokens} tokens before the "
                    f"action was complete. Reply again, shorter: one short sentence of thinking, "
                    f"then the call.\n{reminder}")
        return (f"Your reply could not be read as a tool call ({problem.reason}). Reply with one "
                f"call in exactly this form:\n{reminder}")


def get_format(name: str) -> ActionFormat:
    if name not in FORMATS:
        raise ValueError(f"unknown action format {name!r}; choose one of {', '.join(FORMATS)}")
    return ActionFormat(name)
