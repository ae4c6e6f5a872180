"""Text to JSON: validation, the retry that feeds the validation error back, constrained decoding."""

from __future__ import annotations

from phase3_tools.extract import extract, read_json_object
from phase3_tools.extract_eval import FIELDS, Order, evaluate, field_correct, load_set
from shared.llm import ChatResult, ScriptedBackend


def test_valid_reply_first_time():
    llm = ScriptedBackend(['```json\n{"customer": "Ada", "item": "mugs", "quantity": 3, "city": null}\n```'])
    found = extract("Ada wants 3 mugs.", Order, llm)
    assert found.ok and found.attempts == 1 and found.value.quantity == 3
    assert llm.calls[0]["response_format"] is None  # the scripted backend has no grammar


def test_validation_error_is_fed_back_and_the_retry_succeeds():
    llm = ScriptedBackend(['{"customer": "Ada", "item": "mugs", "quantity": "three"}',
                           '{"customer": "Ada", "item": "mugs", "quantity": 3}'])
    found = extract("Ada wants three mugs.", Order, llm)
    assert found.ok and found.attempts == 2 and found.value.quantity == 3
    feedback = llm.calls[1]["messages"][-1]["content"]
    assert "quantity" in feedback and "integer" in feedback
    assert llm.calls[1]["messages"][-2] == {"role": "assistant", "content": llm.calls[1]["messages"][-2]["content"]}


def test_gives_up_after_the_retries_and_says_why():
    llm = ScriptedBackend(["no idea", ChatResult(content='{"customer": "A', finish_reason="length"),
                           '{"customer": "Ada"}'])
    found = extract("...", Order, llm, retries=2)
    assert not found.ok and found.attempts == 3
    assert found.errors[0] == "the reply held no JSON object"
    assert "cut off" in found.errors[1] and "item" in found.errors[2]


def test_constrained_decoding_sends_the_schema():
    llm = ScriptedBackend(['{"customer": "Ada", "item": "mugs", "quantity": 1}'])
    extract("Ada wants a mug.", Order, llm, constrained=True)
    assert llm.calls[0]["response_format"]["schema"]["properties"]["quantity"]["type"] == "integer"


def test_read_json_object():
    assert read_json_object("Here: {'a': 1,} ok") == {"a": 1}
    assert read_json_object("nothing") is None


def test_the_labelled_set_and_its_scoring():
    rows = load_set()
    assert 15 <= len(rows) <= 25
    assert all(set(r["expected"]) == set(FIELDS) for r in rows)
    assert all(Order.model_validate(r["expected"]) for r in rows)
    assert field_correct("Blue Mugs.", "blue mug") and field_correct(None, None)
    assert not field_correct("Paris", None) and field_correct(3, 3)

    def perfect(messages):
        text = messages[-1]["content"].split("Text:\n")[-1]
        row = next(r for r in rows if r["text"] == text)
        import json
        return json.dumps(row["expected"])

    figures = evaluate(ScriptedBackend(perfect), progress=False)
    assert figures["record_accuracy"] == 1.0 and figures["valid_share"] == 1.0
