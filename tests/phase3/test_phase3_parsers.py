"""The action parsers: the ways a small model writes a call, a fuzz that no string breaks them,
and their cost (linear in the reply)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.agent.action_formats import FORMATS, get_format
from shared.agent.actions import (
    FENCE,
    TAG,
    Action,
    ParseError,
    _outside_strings,
    balanced_objects,
    parse_json_action,
    parse_tag_action,
)
from shared.llm import ChatResult, ToolCall

READ = {"path": "a.py"}


@pytest.mark.parametrize("text, source", [
    ('{"think": "look", "name": "read_file", "arguments": {"path": "a.py"}}', "plain"),
    ('Sure! Here it is:\n```json\n{"name": "read_file", "arguments": {"path": "a.py"}}\n```', "fenced"),
    ('I will read it. {"name": "read_file", "arguments": {"path": "a.py"}} Done.', "balanced"),
    ('{"name": "read_file", "arguments": {"path": "a.py"},}', "plain+repaired"),
    ("{'name': 'read_file', 'arguments': {'path': 'a.py'}}", "plain+repaired"),
    ('{"tool": "read_file", "args": {"path": "a.py"}}', "plain"),
    ('{"action": "read_file", "action_input": "{\\"path\\": \\"a.py\\"}"}', "plain"),
    ('{"function": {"name": "read_file", "arguments": "{\\"path\\": \\"a.py\\"}"}}', "plain"),
    ('{"tool_calls": [{"name": "read_file", "arguments": {"path": "a.py"}}]}', "plain"),
    ('[{"name": "read_file", "arguments": {"path": "a.py"}}]', "plain"),
    ('<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"}}\n</tool_call>', "tag"),
])
def test_the_ways_a_model_writes_a_call(text, source):
    action = parse_json_action(text)
    assert isinstance(action, Action), action
    assert (action.name, action.arguments) == ("read_file", READ)
    assert action.source == source


def test_python_literals_and_raw_newlines_are_repaired():
    action = parse_json_action('{"name": "write_file", "arguments": {"path": "a.py", '
                               '"content": "x = 1\ny = None\n", "flag": True}}')
    assert isinstance(action, Action)
    assert action.arguments["content"] == "x = 1\ny = None\n" and action.arguments["flag"] is True


def test_think_is_kept():
    action = parse_json_action('{"think": "first look", "name": "list_files", "arguments": {}}')
    assert action.think == "first look"


@pytest.mark.parametrize("text", [
    '{"final_answer": "all done"}',
    '{"name": "final_answer", "arguments": {"answer": "all done"}}',
    '{"think": "ok", "name": "finish", "arguments": {"text": "all done"}}',
    '{"answer": "all done"}',
])
def test_final_answers(text):
    action = parse_json_action(text)
    assert isinstance(action, Action) and action.is_final and action.answer == "all done"


def test_tags_are_read_first_and_without_a_closing_tag():
    text = 'Reading.\n<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"}}'
    action = parse_tag_action(text)
    assert isinstance(action, Action) and action.source.startswith("tag")
    assert action.arguments == READ


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("I think I should read the file.", "no JSON object"),
    ('{"name": "read_file", "arguments": {"path": "a.', "not complete"),
    ('{"path": "a.py"}', "no \"name\""),
    ('{"name": "read_file", "arguments": 5}', "must be a JSON object"),
])
def test_malformed_replies_give_a_parse_error(text, reason):
    result = parse_json_action(text, close_brackets=False)
    assert isinstance(result, ParseError) and reason in result.reason


def test_a_forgotten_closing_brace_is_added_unless_the_reply_was_cut_off():
    text = '{"think": "done", "name": "final_answer", "arguments": {"answer": "fixed it"}'
    action = parse_json_action(text)
    assert isinstance(action, Action) and action.answer == "fixed it"
    assert action.source == "closed+repaired"
    cut = get_format("json").parse(ChatResult(content=text, finish_reason="length"))
    assert isinstance(cut, ParseError) and cut.truncated


def test_a_quote_forgotten_before_the_final_braces_is_put_back():
    # Qwen2.5-Coder-1.5B, measured: the closing quote of the last string is missing.
    text = ('{"think": "fix it", "name": "edit_file", "arguments": {"path": "a.py", '
            '"old": "len(scors)", "new": "return total / len(scores)}}')
    action = parse_json_action(text)
    assert isinstance(action, Action) and action.source == "closed+repaired"
    assert action.arguments["new"] == "return total / len(scores)"
    # a string that really ends the reply open, with no braces after it, is closed as before
    open_string = '{"name": "final_answer", "arguments": {"answer": "done'
    assert parse_json_action(open_string).answer == "done"


def test_balanced_objects_skip_braces_in_strings():
    assert balanced_objects('x {"a": "}{"} y {"b": 1}') == ['{"a": "}{"}', '{"b": 1}']


def test_truncated_reply_is_told_apart_from_a_malformed_one():
    fmt = get_format("json")
    cut = fmt.parse(ChatResult(content='{"name": "write_file", "arguments": {"content": "x',
                               finish_reason="length"))
    bad = fmt.parse(ChatResult(content="I will now write the file", finish_reason="stop"))
    assert isinstance(cut, ParseError) and cut.truncated
    assert isinstance(bad, ParseError) and not bad.truncated
    assert "cut off" in fmt.correction(cut, 700) and "700 tokens" in fmt.correction(cut, 700)
    assert "could not be read" in fmt.correction(bad, 700)


def test_native_tool_calls_are_taken_first():
    fmt = get_format("native")
    result = ChatResult(content="", tool_calls=[ToolCall("read_file", READ, "c1")],
                        finish_reason="tool_calls")
    action = fmt.parse(result)
    assert isinstance(action, Action) and action.source == "native" and action.arguments == READ
    message = fmt.observation_message(result, type("O", (), {"kind": "ok", "text": "hi"})())
    assert message["role"] == "tool" and message["tool_call_id"] == "c1"


# The fuzz: any string at all gives an Action or a ParseError, never an exception. -----------
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["name", "tool", "arguments", "args", "think", "answer", "final_answer",
                         "function", "tool_calls", "x"]), children, max_size=4),
    max_leaves=12,
)
noise = st.text(alphabet=st.sampled_from(list('{}[]"\',:`\\ \nabcTrueNone<>/_')), max_size=80)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_fuzz_any_text(text):
    for fmt in FORMATS:
        result = get_format(fmt).parse(ChatResult(content=text))
        assert isinstance(result, Action | ParseError)


@settings(max_examples=300, deadline=None)
@given(value=json_like, prefix=noise, suffix=noise, fence=st.booleans(), tag=st.booleans())
def test_fuzz_json_shaped_text(value, prefix, suffix, fence, tag):
    body = json.dumps(value)
    if fence:
        body = f"```json\n{body}\n```"
    if tag:
        body = f"<tool_call>{body}</tool_call>"
    for parse in (parse_json_action, parse_tag_action):
        result = parse(prefix + body + suffix)
        assert isinstance(result, Action | ParseError)
        if isinstance(result, Action):
            assert isinstance(result.name, str) and isinstance(result.arguments, dict)


# Cost: the parsers are linear in the reply's length. ---------------------------------------
# The first patterns, kept here as the specification: the linear ones must find the same blocks.
FIRST_FENCE = re.compile(r"```[ \t]*(?:json|JSON|python|tool_call)?[ \t]*\n?(.*?)```", re.DOTALL)
FIRST_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
FIRST_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
pieces = st.lists(st.sampled_from(["`", "```", " ", "\t", "\n", "json", "python", "JSON", "x", "{",
                                   "}", '"', "\\", "<tool_call>", "</tool_call>", "tool_call"]),
                  max_size=16).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=pieces)
def test_the_linear_patterns_find_what_the_first_ones_found(text):
    for first, now in ((FIRST_FENCE, FENCE), (FIRST_TAG, TAG)):
        assert ([m.group(1).strip() for m in first.finditer(text)]
                == [m.group(1).strip() for m in now.finditer(text)])
    pieces_then, last = [], 0
    for match in FIRST_STRING.finditer(text):
        pieces_then += [text[last:match.start()].upper(), match.group(0)]
        last = match.end()
    assert _outside_strings(text, str.upper) == "".join(pieces_then + [text[last:].upper()])



# A scaling check, not a speed target: 8 times the input may cost about 8 times the CPU time
# (linear), never the 64 or 512 times of a quadratic or cubic pattern. The sizes keep the old
# patterns' failure short: 20k spaces in <tool_call> took 1.8 s, 300 after ``` took 0.6 s.
@pytest.mark.parametrize("make_input, n", [
    pytest.param(lambda n: "<tool_call>x" + " " * n + "y", 250, id="tag-spaces"),
    pytest.param(lambda n: "```" + " " * n, 75, id="fence-spaces"),
    pytest.param(lambda n: "```json" + "\t" * n + "x", 500, id="fence-tabs"),
    pytest.param(lambda n: '{"a": "' + '\\"' * n, 500, id="open-string-of-escaped-quotes"),
])
def test_parsing_scales_linearly(make_input, n, slowdown):
    for parse in (parse_json_action, parse_tag_action):
        assert slowdown(parse, make_input, n) < 32
