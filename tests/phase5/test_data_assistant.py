"""The data-file assistant (phase5_planning/data_assistant.py): the shared agent core with three new
tools. Each tool's output and its errors, the schemas from the signatures, the fixture, and the
agent answering a question end to end with a scripted model."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from phase5_planning import data_assistant
from phase5_planning.data_assistant import (
    DATA,
    DEMO_CSV,
    DEMO_QUESTION,
    DEMO_STEPS,
    DataAssistant,
    ask,
    data_tools,
)
from shared.agent import ToolRegistry
from shared.llm import ScriptedBackend
from shared.trajectory import read_trajectory

FIXTURES = Path(data_assistant.__file__).resolve().parent / "fixtures"


def registry(root: Path = DATA) -> ToolRegistry:
    return ToolRegistry(data_tools(root))


def units_total() -> int:
    """The answer computed here, independently of the tools."""
    with (DATA / "sales.csv").open(newline="") as handle:
        return sum(int(row["units"]) for row in csv.DictReader(handle))


def one_sentence(text: str) -> bool:
    return "\n" not in text and text.replace("e.g. ", "").count(". ") == 0 and len(text) < 200


def act(name: str, **arguments: object) -> str:
    return json.dumps({"think": f"now {name}", "name": name, "arguments": arguments})


def test_the_fixture_is_what_its_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_data", FIXTURES / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.files()
    assert sorted(written) == sorted(p.name for p in DATA.glob("*.csv"))
    for name, text in written.items():
        assert (DATA / name).read_text(encoding="utf-8") == text, name
    assert 50 <= written["sales.csv"].count("\n") - 1 <= 300


def test_the_schemas_come_from_the_signatures_and_docstrings() -> None:
    schemas = {s["function"]["name"]: s["function"] for s in registry().schemas()}
    assert list(schemas) == ["list_data_files", "describe_csv", "aggregate"]
    agg = schemas["aggregate"]
    assert agg["parameters"]["required"] == ["path", "column", "how"]
    assert agg["parameters"]["properties"]["how"]["enum"] == ["sum", "mean", "min", "max", "count"]
    assert "group the rows" in agg["parameters"]["properties"]["group_by"]["description"]
    assert schemas["describe_csv"]["description"].startswith("Describe a CSV file")


def test_list_data_files_names_each_csv_with_its_size(tmp_path: Path) -> None:
    text = registry().run("list_data_files", {}).text
    assert text.splitlines() == [
        "regions.csv: 4 rows, columns region, manager, monthly_target",
        "sales.csv: 120 rows, columns date, region, product, units, price"]
    assert registry(tmp_path).run("list_data_files", {}).text == (
        "there are no .csv files in the data folder")
    (tmp_path / "empty.csv").write_text("")
    assert "empty.csv: unreadable (empty.csv has no header row" in registry(tmp_path).run(
        "list_data_files", {}).text


def test_describe_csv_gives_columns_types_row_count_and_first_rows() -> None:
    seen = registry().run("describe_csv", {"path": "sales.csv", "rows": 2})
    lines = seen.text.splitlines()
    assert seen.ok and lines[0] == "sales.csv: 120 rows, 5 columns"
    assert "- region (text): 4 values: east, north, south, west" in lines
    assert "- units (integer): min 1, max 40" in lines
    assert "- price (number): min 0.5, max 3" in lines
    assert lines[-3:] == ["date,region,product,units,price", "2025-01-01,east,apple,17,0.5",
                          "2025-01-01,north,cherry,9,3.0"]


def test_aggregate_computes_over_all_rows_and_per_group() -> None:
    run = registry().run
    total = run("aggregate", {"path": "sales.csv", "column": "units", "how": "sum"})
    assert total.ok and total.text == f"sum of units in sales.csv: {units_total()} (120 rows)"
    grouped = run("aggregate", {"path": "sales.csv", "column": "units", "how": "sum",
                                "group_by": "region"}).text.splitlines()
    assert grouped[0] == "sum of units by region in sales.csv:" and len(grouped) == 5
    assert sum(int(line.split(": ")[1]) for line in grouped[1:]) == units_total()
    assert run("aggregate", {"path": "sales.csv", "column": "price", "how": "mean",
                             "group_by": "product"}).text.splitlines()[1:] == [
        "- apple: 0.5", "- cherry: 3", "- pear: 0.75", "- plum: 1.2"]
    assert run("aggregate", {"path": "regions.csv", "column": "monthly_target",
                             "how": "max"}).text.endswith(": 400 (4 rows)")
    assert run("aggregate", {"path": "sales.csv", "column": "region",
                             "how": "count"}).text.endswith(": 120 (120 rows)")


@pytest.mark.parametrize("arguments, says", [
    ({"path": "../check.py"}, "refused '../check.py': it is outside the data folder"),
    ({"path": "/etc/passwd"}, "refused '/etc/passwd': it is outside the data folder"),
    ({"path": "sales2.csv"}, "there is no sales2.csv in the data folder"),
    ({"path": "../make_data.py"}, "outside the data folder"),
    ({"path": "notes.txt"}, "notes.txt is not a .csv file"),
])
def test_a_bad_path_is_one_sentence_that_says_what_to_do(arguments: dict, says: str) -> None:
    seen = registry().run("describe_csv", arguments)
    assert seen.kind == "error" and says in seen.text and one_sentence(seen.text), seen.text
    assert "list_data_files" in seen.text


def test_a_symbolic_link_out_of_the_data_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text("a\n1\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "link.csv").symlink_to(outside)
    seen = registry(tmp_path / "data").run("describe_csv", {"path": "link.csv"})
    assert seen.kind == "error" and "outside the data folder" in seen.text


def test_a_missing_or_text_column_is_one_sentence_naming_the_right_ones() -> None:
    run = registry().run
    missing = run("aggregate", {"path": "sales.csv", "column": "unit", "how": "sum"})
    assert missing.kind == "error" and one_sentence(missing.text)
    assert missing.text == ("there is no column 'unit' in sales.csv; its columns are: date, "
                            "region, product, units, price")
    group = run("aggregate", {"path": "sales.csv", "column": "units", "how": "sum",
                              "group_by": "shop"})
    assert group.kind == "error" and "no column 'shop'" in group.text
    text = run("aggregate", {"path": "sales.csv", "column": "region", "how": "mean"})
    assert text.kind == "error" and one_sentence(text.text)
    assert text.text == ("the column 'region' of sales.csv holds text, not numbers: use "
                         "how='count' for it, or a numeric column (units, price)")
    wrong_how = run("aggregate", {"path": "sales.csv", "column": "units", "how": "median"})
    assert wrong_how.kind == "invalid" and "'sum', 'mean', 'min', 'max' or 'count'" in wrong_how.text


def test_the_worked_example_shows_what_the_tools_really_say(tmp_path: Path) -> None:
    (tmp_path / "trees.csv").write_text(DEMO_CSV)
    tools = registry(tmp_path)
    for _think, name, arguments, observation in DEMO_STEPS:
        if name != "final_answer":
            assert tools.run(name, arguments).text == observation, name


def test_the_assistant_answers_end_to_end_with_the_shared_loop(tmp_path: Path) -> None:
    replies = [act("describe_csv", path="sales.csv"),
               act("aggregate", path="sales.csv", column="unit", how="sum"),  # a slip ...
               act("aggregate", path="sales.csv", column="units", how="sum"),  # ... recovered
               act("final_answer", answer=f"{units_total()} units were sold in total.")]
    llm = ScriptedBackend(replies)
    result = ask("How many units were sold in total?", llm, trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and result.steps == 4 and result.valid_actions == 4
    assert result.answer == f"{units_total()} units were sold in total."
    assert [o.kind for o in result.observations] == ["ok", "error", "ok"]
    assert f": {units_total()} (120 rows)" in result.observations[-1].text
    system = llm.calls[0]["messages"][0]["content"]
    assert system.startswith("You are a careful data analyst")
    assert "- aggregate(path: string, column: string, how: string" in system
    assert "write_file" not in system, "the coder's tools are not this agent's"
    asked = [m["content"] for m in llm.calls[0]["messages"] if m["role"] == "user"]
    assert asked[0] == DEMO_QUESTION and asked[-1] == "How many units were sold in total?"
    assert llm.calls[0]["response_format"]["schema"]["anyOf"][2]["properties"]["name"] == {
        "const": "aggregate"}, "the constrained format's grammar is built from the new tools"
    kinds = [e["kind"] for e in read_trajectory(tmp_path / "t.jsonl")]
    assert kinds.count("action") == 4 and kinds[-2:] == ["result", "end"]


def test_the_assistant_is_the_shared_agent_with_one_seam_overridden() -> None:
    from shared.agent import Agent

    assert issubclass(DataAssistant, Agent)
    overridden = {name for name in vars(DataAssistant) if callable(getattr(DataAssistant, name))
                  and not name.startswith("__")}
    assert overridden == {"initial_messages"}, "the loop itself is unchanged"


def test_the_command_prints_the_answer_and_exits_0(monkeypatch, capsys, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path / "runs"))
    replies = [act("aggregate", path="regions.csv", column="monthly_target", how="sum"),
               act("final_answer", answer="The targets add up to 1300.")]
    monkeypatch.setattr(data_assistant, "get_llm", lambda **_: ScriptedBackend(replies))
    assert data_assistant.main(["What do the targets add up to?", "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == "The targets add up to 1300."
    monkeypatch.setattr(data_assistant, "get_llm", lambda **_: ScriptedBackend(
        [act("list_data_files")] * 3))
    assert data_assistant.main(["Anything?", "--max-steps", "3"]) == 1  # no answer: exit 1
    assert "stop: repeating" in capsys.readouterr().out


def test_a_missing_data_folder_is_an_error_in_one_sentence(tmp_path: Path) -> None:
    from shared.errors import AgentlabError

    with pytest.raises(AgentlabError, match="does not exist: name a folder of .csv files"):
        DataAssistant(ScriptedBackend([]), tmp_path / "nowhere")
