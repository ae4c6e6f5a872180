"""The shell policy reads a command as /bin/sh does: the ways around a policy that only split on
`;` and matched patterns (issue 10), what it refuses, what it asks about, and what it costs."""

from __future__ import annotations

import pytest

from phase3_tools.tasks import build_registry
from shared.agent import guardrails
from shared.agent.guardrails import ShellPolicy, approve_all, shell_tokens


def decide(command: str) -> str:
    return ShellPolicy().check(command).decision


# Each of these ran unchecked, or unchecked after an approver said yes to something harmless.
@pytest.mark.parametrize("command", [
    "echo $(rm -rf x)", "echo `rm x`", 'echo "$(rm x)"', "ls > $(echo x)",  # substitutions
    "true & rm -rf x", "ls\nrm -rf x",                                      # & and newlines
    "find / -delete", "find . -exec rm -rf {} +", "find . -name x -execdir rm -f {} ;",
    "r''m -rf x", "\\rm -rf x", '"rm" -rf x',                               # quoting a name
    "env rm -rf /", "xargs rm", "timeout 5 rm x", "nice rm x",              # run another program
    "$X -rf /", "/bin/r? -rf x",                                            # a name not known
    "if true; then rm x; fi", "{ rm -rf x; }", "(rm x)", ":(){ :|:& };:",   # groups, functions
    "echo hi > /etc/x", "echo hi >> ../x", "ls > /tmp/x", "cat a 2> ~/x",   # writes outside
    "cat < /etc/passwd", "cat $HOME/.ssh/id_rsa", "sort -o/etc/x a",        # private places
    "cat <<EOF\nrm -rf x\nEOF", "echo 'unclosed", 'echo "unclosed',
    "python -m pip install requests", "python3 -m pip install x",
])
def test_ways_around_the_policy_are_denied(command):
    assert decide(command) == "deny"


# Code we cannot read, variables set before a program, paths outside: an approver decides.
@pytest.mark.parametrize("command, why", [
    ("""python -c "__import__('shutil').rmtree('/tmp/x')" """, "python -c"),
    ('python -c "import a; b"', "python -c"),  # one command: the quoted ; does not split it
    ("python3 -uc 'print(1)'", "python3 -c"),
    ("python < a.py", "reads its program from the input"),
    ("sh -c 'ls'", "sh runs code"), ("bash x.sh", "bash runs code"), ("perl -e 1", "perl"),
    ("node -e 1", "node"), ("awk '{print}' a.txt", "awk"),
    ("PATH=. ls", "PATH="), ("FOO=1 python a.py", "FOO="), ("X=1", "X="),
    ("find . -exec grep x {} ;", "find -exec"), ("find . -fprint out", "find -fprint"),
    ("./ls", "not a system program"), ("ls /", "outside the workspace"),
    ("cat ../notes.txt", "outside the workspace"), ("python a.py &", "background"),
    ("true & mv a b", "'mv' is not on the allow list"),
])
def test_what_cannot_be_checked_is_risky(command, why):
    verdict = ShellPolicy().check(command)
    assert verdict.decision == "ask" and why in verdict.reason, verdict


@pytest.mark.parametrize("command", [
    'echo "a; rm -rf x"', "echo 'rm -rf $(x) `y`'",  # quoted: text, not commands
    "echo hi > out.txt", "ls 2>/dev/null", "python a.py 2>&1 | tail -5", "echo a # rm -rf /",
    "find . -name '*.py'", "mkdir -p a/b && touch a/b/c.txt", "python -m pytest -q tests",
    "python -u -W ignore a.py", "grep -rn 'def main' .",
])
def test_plain_commands_still_run(command):
    assert decide(command) == "allow"


def test_words_are_read_as_sh_reads_them():
    words = [t.text if not isinstance(t, str) else t
             for t in shell_tokens("""A=1 python -c "import a; b" 'x y'\\ z 2>&1 | r''m -f#""")]
    assert words == ["A=1", "python", "-c", "import a; b", "x y z", ">&", "1", "|", "rm", "-f#"]


def test_the_policy_keeps_the_outside_safe_whatever_is_approved(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    workspace = tmp_path / "ws"
    approved = build_registry(workspace, approve=approve_all)
    for command in [f"find {outside} -delete", f"echo $(rm -r {outside})", f"true & rm -rf {outside}",
                    f"find {outside} -exec rm -rf {{}} +", f"env rm -rf {outside}",
                    f"echo gone > {outside}/keep.txt"]:
        assert approved.run("run_shell", {"command": command}).kind == "refused", command
    cautious = build_registry(workspace)  # deny-risky: what cannot be checked does not run
    rmtree = f"""python -c "__import__('shutil').rmtree('{outside}')" """
    assert cautious.run("run_shell", {"command": rmtree}).kind == "refused"
    assert (outside / "keep.txt").read_text() == "keep"


# Cost: a long command is refused before it is read, and reading is one pass.
def test_a_command_over_the_length_cap_is_refused_before_it_is_read(monkeypatch):
    def never_called(command):
        raise AssertionError("the command was read")

    monkeypatch.setattr(guardrails, "shell_tokens", never_called)
    verdict = ShellPolicy().check("echo " + "a" * 1_000_000)
    assert verdict.decision == "deny" and "characters long" in verdict.reason
    assert "write_file" in verdict.reason  # what to do instead


def test_a_command_at_the_cap_is_read():
    command = "echo " + "a" * (guardrails.MAX_COMMAND_CHARS - 5)
    assert ShellPolicy().check(command).decision == "allow"



# A scaling check, not a speed target: with the cap lifted, 8 times the command may cost about
# 8 times the CPU time (one pass), never the 64 times of a quadratic reader (the first policy
# took 10.8 s for 1 MB).
@pytest.mark.parametrize("make_input", [
    pytest.param(lambda n: "echo " + "a" * n, id="one-long-word"),
    pytest.param(lambda n: "echo " + "'a' " * (n // 4), id="quoted-words"),
    pytest.param(lambda n: "ls;" * (n // 3), id="many-commands"),
    pytest.param(lambda n: "rm " + "-r" * (n // 2), id="long-option"),
    pytest.param(lambda n: 'echo "' + "\\$" * (n // 2) + '"', id="escapes-in-double-quotes"),
    pytest.param(lambda n: "find . " + "-exec " * (n // 6), id="find-exec-exec"),
    pytest.param(lambda n: "cat " + "../" * (n // 3), id="long-path"),
])
def test_checking_scales_linearly(make_input, slowdown):
    policy = ShellPolicy(max_chars=10**7)
    assert slowdown(policy.check, make_input, 2000) < 32
