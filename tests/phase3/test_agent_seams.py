"""The frozen agent core is extended by subclassing one step, never by copying the loop."""

from __future__ import annotations

import json
from pathlib import Path

from shared.agent import Agent, Observation, ToolRegistry, final_answer, run_agent
from shared.llm.scripted import ScriptedBackend
from shared.trajectory import read_trajectory


def reply(name: str, **arguments: object) -> str:
    return json.dumps({"think": "go", "name": name, "arguments": arguments})


def echo(text: str) -> str:
    """Say something back.

    Args:
        text: what to say
    """
    return f"echo: {text}"


def registry() -> ToolRegistry:
    return ToolRegistry([echo, final_answer])


def test_run_agent_is_the_agent_class(tmp_path: Path) -> None:
    script = [reply("echo", text="hi"), reply("final_answer", answer="done")]
    result = run_agent("Say hi.", ScriptedBackend(script), registry(), "json",
                       trajectory_path=tmp_path / "t.jsonl")
    assert result.stop_reason == "final_answer" and result.answer == "done" and result.steps == 2
    assert result.observations[0].text == "echo: hi"


def test_a_subclass_changes_one_step_and_keeps_the_rest(tmp_path: Path) -> None:
    class Shouting(Agent):
        seen_lengths: list[int] = []

        def query(self, n: int):
            self.seen_lengths.append(len(self.messages))  # what a context manager would look at
            return super().query(n)

        def execute(self, action, n):
            observation = super().execute(action, n)
            return Observation(observation.text.upper(), observation.kind)

    script = [reply("echo", text="hi"), reply("final_answer", answer="ok")]
    agent = Shouting(ScriptedBackend(script), registry(), "json", demonstrate=False)
    result = agent.run("Say hi.", tmp_path / "t.jsonl")
    assert result.observations[0].text == "ECHO: HI"
    assert agent.seen_lengths == [2, 4]  # system + task, then + reply + observation
    kinds = [event["kind"] for event in read_trajectory(tmp_path / "t.jsonl")]
    assert kinds.count("llm_reply") == 2 and kinds[-2:] == ["result", "end"]


def test_the_reply_after_a_refused_repeat_is_sampled_not_greedy(tmp_path: Path) -> None:
    """At temperature 0 the same conversation gives the same reply: after a refusal the loop
    samples (REPEAT_TEMPERATURE), then goes back to the configured temperature."""
    from shared.agent.loop import REPEAT_TEMPERATURE

    script = [reply("echo", text="hi"), reply("echo", text="hi"), reply("echo", text="other"),
              reply("final_answer", answer="done")]
    llm = ScriptedBackend(script)
    result = run_agent("Say hi.", llm, registry(), "json", trajectory_path=tmp_path / "t.jsonl")
    assert [o.kind for o in result.observations] == ["ok", "refused", "ok"]
    temperatures = [call["options"]["temperature"] for call in llm.calls]
    assert temperatures == [0.0, 0.0, REPEAT_TEMPERATURE, 0.0]
