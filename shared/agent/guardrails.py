"""Guardrails: what the agent may do without asking, what it may never do, and when to stop.

- ShellPolicy: reads a command line the way /bin/sh does (words, quotes, `;` `&&` `||` `|` `&`,
  redirections) and judges every program in it. A deny list is never run, whatever anyone says;
  an allow list of programs runs without asking; anything else is "risky": an approver decides.
  What the policy cannot see through is refused: `$(...)` and backticks, here-documents,
  parentheses, `if`/`for`/`{ }`, programs that run another program (env, xargs, timeout...),
  a program named by a variable. Code handed to an interpreter (`python -c`, `sh -c`,
  `node -e`) cannot be read, so it is risky. A policy is a seatbelt, not a wall: what a command
  that does run can reach is up to the sandbox (shared.sandbox).
- Approvers decide risky actions: `ask_in_terminal` (human in the loop, input()), and the
  non-interactive `approve_all` and `deny_risky` for scripts, benchmarks and tests.
- RepeatDetector: the same call with the same arguments again means the agent is stuck.
The step limit lives in the loop (loop.py, max_steps).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_COMMAND_CHARS = 4000  # longer commands are refused before they are read: checking stays cheap

# Programs refused outright: privileges, the network, installs, disks, processes, the machine.
DENY_PROGRAMS = {
    "sudo", "su", "doas", "chown", "curl", "wget", "ssh", "scp", "sftp", "rsync", "nc", "ncat",
    "netcat", "telnet", "ftp", "apt", "apt-get", "dpkg", "dd", "fdisk", "mount", "umount",
    "shutdown", "reboot", "halt", "poweroff", "kill", "killall", "pkill", "shred", "crontab",
}
# Programs whose arguments are another command: the policy cannot tell what would run.
RUNS_ANOTHER_PROGRAM = {
    "env", "xargs", "nice", "nohup", "timeout", "time", "exec", "eval", "command", "builtin",
    "stdbuf", "setsid", "chroot", "watch", "busybox", "parallel", "flock", "ionice", "taskset",
    "unshare", "nsenter", "script", "strace", "trap",
}
# Programs that run code given to them (-c, -e, a script): code the policy cannot read.
INTERPRETERS = {
    "python", "python3", "sh", "bash", "dash", "zsh", "ksh", "fish", "perl", "ruby", "node",
    "nodejs", "deno", "php", "lua", "Rscript", "awk", "gawk", "source", ".",
}
PYTHONS = {"python", "python3"}
SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done",
                  "case", "esac", "in", "function", "select", "{", "}", "!", "[[", "]]"}
FIND_RUNS = {"-exec", "-execdir", "-ok", "-okdir"}  # find runs a command for each file
FIND_WRITES = {"-fprint", "-fprint0", "-fprintf", "-fls"}
# Programs that only read, or run the learner's own code inside the sandbox.
ALLOW_PROGRAMS = {
    "python", "python3", "pytest", "ls", "cat", "head", "tail", "wc", "grep", "echo", "find",
    "sort", "uniq", "diff", "pwd", "mkdir", "touch", "true", "test", "printf", "cut", "tr",
}
SYSTEM_BIN_DIRS = {"/bin", "/usr/bin", "/usr/local/bin"}  # /usr/bin/python3 is python3
# Places outside the workspace that are refused outright; other outside paths are risky.
PRIVATE_PLACES = ("/etc", "/root", "/home", "/proc", "/sys", "/boot", "/dev", "/var", "$HOME",
                  "${HOME}")
HARMLESS_DEVICES = {"/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr"}
OCTAL = set("01234567")

# Reading a command line ------------------------------------------------------------------------
OPERATORS = ("&&", "||", ";;", ">>", ">|", ">&", "<&", "<>", ";", "&", "|", "\n", ">", "<")
WORD_ENDS = set(" \t\n;&|<>()")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


class UnreadableCommand(ValueError):
    """A command this reader does not follow (its text says why); the policy refuses it."""


@dataclass
class Word:
    """One word of a command after quote removal. expands: it holds a `$` that sh replaces
    (its value is unknown here); pattern: it holds an unquoted * or ? (sh matches file names)."""

    text: str
    expands: bool = False
    pattern: bool = False


@dataclass
class SimpleCommand:
    """One program with its arguments, as sh runs it: `A=1 grep x a.txt > out.txt`."""

    assignments: list[str] = field(default_factory=list)  # ["A=1"]
    words: list[Word] = field(default_factory=list)  # grep, x, a.txt
    redirections: list[tuple[str, Word]] = field(default_factory=list)  # [(">", out.txt)]


def _read_double_quoted(command: str, i: int, chars: list[str]) -> tuple[int, bool]:
    """Read from just after an opening `"` to just after its closing one, into `chars`.
    Returns (where reading stopped, whether a `$` inside will be expanded)."""
    expands = False
    while i < len(command):
        char = command[i]
        if char == '"':
            return i + 1, expands
        if char == "\\" and command[i + 1: i + 2] in ("$", "`", '"', "\\", "\n"):
            chars.append(command[i + 1] if command[i + 1] != "\n" else "")
            i += 2
            continue
        if char == "`" or command.startswith("$(", i):
            raise UnreadableCommand("$(...) and backticks (command substitution) are not allowed: "
                                    "run the inner command on its own first")
        expands = expands or char == "$"
        chars.append(char)
        i += 1
    raise UnreadableCommand('it has an unclosed " quote')


def _read_word(command: str, i: int) -> tuple[Word, int]:
    """Read one word starting at `i`: quotes and backslashes removed as sh removes them."""
    chars: list[str] = []
    word = Word("")
    while i < len(command) and command[i] not in WORD_ENDS:
        char = command[i]
        if char == "\\":
            if command[i + 1: i + 2] != "\n":  # a backslash before a newline joins two lines
                chars.append(command[i + 1: i + 2])
            i += 2
        elif char == "'":
            close = command.find("'", i + 1)
            if close == -1:
                raise UnreadableCommand("it has an unclosed ' quote")
            chars.append(command[i + 1: close])
            i = close + 1
        elif char == '"':
            i, expands = _read_double_quoted(command, i + 1, chars)
            word.expands = word.expands or expands
        elif char == "`" or command.startswith("$(", i):
            raise UnreadableCommand("$(...) and backticks (command substitution) are not allowed: "
                                    "run the inner command on its own first")
        else:
            word.expands = word.expands or char == "$"
            word.pattern = word.pattern or char in "*?"
            chars.append(char)
            i += 1
    word.text = "".join(chars)
    return word, i


def shell_tokens(command: str) -> list[Word | str]:
    """The words and operators (`;`, `&&`, `|`, `>`, ...) of a command line, in one pass over it.
    Raises UnreadableCommand for what this reader does not follow."""
    tokens: list[Word | str] = []
    i = 0
    while i < len(command):
        char = command[i]
        if char in " \t":
            i += 1
        elif char == "#":  # a comment runs to the end of the line
            end = command.find("\n", i)
            i = len(command) if end == -1 else end
        elif char in "()":
            raise UnreadableCommand("parentheses (subshells, functions) are not allowed: run each "
                                    "command on its own")
        elif command.startswith("<<", i):
            raise UnreadableCommand("here-documents (<<) are not allowed: write the text to a file "
                                    "with write_file first")
        elif char in WORD_ENDS:
            operator = next(op for op in OPERATORS if command.startswith(op, i))
            tokens.append(operator)
            i += len(operator)
        else:
            word, i = _read_word(command, i)
            if word.text.isdigit() and command[i: i + 1] in ("<", ">"):
                continue  # `2>` names a file descriptor, not an argument
            tokens.append(word)
    return tokens


def split_commands(tokens: list[Word | str]) -> list[SimpleCommand]:
    """Group tokens into simple commands: separators end one, redirections take the next word."""
    commands = [SimpleCommand()]
    redirection = ""  # an operator waiting for its file
    for token in tokens:
        current = commands[-1]
        if isinstance(token, Word):
            if redirection:
                current.redirections.append((redirection, token))
                redirection = ""
            elif not current.words and ASSIGNMENT.match(token.text):
                current.assignments.append(token.text)
            else:
                current.words.append(token)
        elif redirection:
            raise UnreadableCommand(f"the redirection {redirection} has no file after it")
        elif token[0] in "<>":
            redirection = token
        else:  # ; && || | & or a newline
            commands.append(SimpleCommand())
    if redirection:
        raise UnreadableCommand(f"the redirection {redirection} has no file after it")
    return [c for c in commands if c.assignments or c.words or c.redirections]


# Judging one program -----------------------------------------------------------------------------
def named_path(text: str) -> str:
    """The path a word names: the word itself, or an option's value (--out=PATH, -oPATH)."""
    if not text.startswith("-"):
        return text
    return text.split("=", 1)[1] if "=" in text else text[2:]


def place(text: str) -> str:
    """Where a word points: "private" (system or home folders), "outside" (another path outside
    the workspace: absolute, `..`, `~`) or "" (inside the workspace, or not a path)."""
    path = named_path(text)
    if path in HARMLESS_DEVICES:
        return ""
    if path.startswith("~") or any(path == p or path.startswith(p + "/") for p in PRIVATE_PLACES):
        return "private"
    if path.startswith("/") or ".." in path.split("/"):
        return "outside"
    return ""


def program_name(text: str) -> str:
    """The program's name without its folder: /usr/bin/python3 -> python3."""
    return text.rsplit("/", 1)[-1]


def removes_trees_or_forces(arg: str) -> bool:
    """Whether an argument of rm is -r, -R or -f, alone or among other letters (-rf, -fv)."""
    if arg in ("--recursive", "--force"):
        return True
    return arg.startswith("-") and not arg.startswith("--") and bool(set(arg) & set("rRf"))


def python_runs(args: list[str]) -> str:
    """What `python ARGS` runs: "script", "module NAME", "code" (-c CODE) or "input" (no script:
    it reads its program from the input)."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-W", "-X"):  # options that take a value
            i += 2
            continue
        if arg == "-m" or (arg.startswith("-m") and len(arg) > 2):
            module = arg[2:] or (args[i + 1] if i + 1 < len(args) else "")
            return f"module {module}"
        if arg == "-":
            return "input"
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg:  # -c, -uc, -Bc
            return "code"
        if not arg.startswith("-"):
            return "script"
        i += 1
    return "input"


def commands_run_by_find(words: list[Word]) -> list[tuple[str, SimpleCommand]]:
    """The commands `find . -exec CMD ARGS ;` runs: each from the word after -exec (or -ok...)
    to the `;` or `+` that ends it."""
    found: list[tuple[str, SimpleCommand]] = []
    i = 1
    while i < len(words):
        if words[i].text in FIND_RUNS:
            action, start = words[i].text, i + 1
            i = start
            while i < len(words) and words[i].text not in (";", "+"):
                i += 1
            found.append((action, SimpleCommand(words=words[start:i])))
        i += 1
    return found


@dataclass
class Verdict:
    """decision: "allow" (run), "deny" (never run) or "ask" (risky: an approver decides)."""

    decision: str
    reason: str


@dataclass
class ShellPolicy:
    deny_programs: set[str] = field(default_factory=lambda: set(DENY_PROGRAMS))
    allow_programs: set[str] = field(default_factory=lambda: set(ALLOW_PROGRAMS))
    max_chars: int = MAX_COMMAND_CHARS

    def check(self, command: str) -> Verdict:
        """Read the command line, then judge every program in it: one denied program denies the
        whole line; one risky program makes it risky; else it is allowed."""
        if len(command) > self.max_chars:
            return Verdict("deny", f"the command is {len(command)} characters long, over the "
                                   f"limit of {self.max_chars}: write a script with write_file "
                                   "and run it")
        if "\x00" in command:
            return Verdict("deny", "the command contains a NUL character")
        try:
            tokens = shell_tokens(command)
            commands = split_commands(tokens)
        except UnreadableCommand as err:
            return Verdict("deny", str(err))
        for simple in commands:
            reason = self.why_denied(simple)
            if reason:
                return Verdict("deny", reason)
        for simple in commands:
            reason = self.why_risky(simple)
            if reason:
                return Verdict("ask", reason)
        if "&" in tokens:
            return Verdict("ask", "it runs a program in the background (&)")
        return Verdict("allow", "every program is on the allow list")

    def why_denied(self, command: SimpleCommand) -> str:
        """Why this program may never run, or ''."""
        for operator, target in command.redirections:
            if operator in (">&", "<&") and (target.text.isdigit() or target.text == "-"):
                continue  # 2>&1: one stream into another
            where = place(target.text)
            if operator != "<" and where:
                return f"{operator} {target.text} writes outside the workspace"
            if operator != "<" and (target.expands or target.pattern):
                return f"{operator} {target.text} writes to a file named by a variable or a pattern"
            if where == "private":
                return f"{target.text} is a system or private location"
        if not command.words:
            return ""
        program, args = command.words[0], [w.text for w in command.words[1:]]
        name = program_name(program.text)
        if program.expands or program.pattern:
            return (f"the program {program.text!r} comes from a variable or a pattern, so it "
                    "cannot be checked")
        if name in SHELL_KEYWORDS:
            return (f"shell keywords such as {name!r} (if, for, while, {{ }}) are not allowed: "
                    "run one command at a time, or write a Python script")
        if name in self.deny_programs or name.startswith("mkfs"):
            return f"{name} is on the deny list"
        if name in RUNS_ANOTHER_PROGRAM:
            return (f"{name} runs another program, which cannot be checked: run that program "
                    "directly")
        if name == "rm" and any(removes_trees_or_forces(arg) for arg in args):
            return "rm -r and rm -f are on the deny list"
        if name == "chmod" and any(a == "-R" or (set(a) <= OCTAL and "7" in a) for a in args):
            return "chmod -R and modes that open files to everyone are on the deny list"
        if name == "git" and "push" in args:
            return "git push is on the deny list"
        module = python_runs(args) if name in PYTHONS else ""
        pip = name in ("pip", "pip3") or module in ("module pip", "module pip3")
        if pip and "install" in args:
            return "pip install is on the deny list"
        if name == "find" and "-delete" in args:
            return "find -delete is on the deny list"
        if name == "find":
            for action, inner in commands_run_by_find(command.words):
                reason = self.why_denied(inner)
                if reason:
                    return f"find {action} runs a command that is refused ({reason})"
        for word in command.words[1:]:
            if place(word.text) == "private":
                return f"{word.text} is a system or private location"
        return ""

    def why_risky(self, command: SimpleCommand) -> str:
        """Why an approver should decide on this program, or '' when it may run freely."""
        if command.assignments:
            variable = command.assignments[0].split("=", 1)[0]
            return f"it sets {variable}= before the program, which can change what runs"
        for operator, target in command.redirections:
            if operator == "<" and place(target.text):
                return f"it reads {target.text}, outside the workspace"
        if not command.words:
            return ""
        program, args = command.words[0], [w.text for w in command.words[1:]]
        name = program_name(program.text)
        if "/" in program.text and program.text.rsplit("/", 1)[0] not in SYSTEM_BIN_DIRS:
            return f"{program.text} is not a system program"
        for arg in args:
            if place(arg):
                return f"{arg} is outside the workspace"
        runs = python_runs(args) if name in PYTHONS else ""
        if runs == "code":
            return f"{name} -c runs code given on the command line, which cannot be checked"
        if runs == "input":
            return (f"{name} with no script reads its program from the input, which cannot be "
                    "checked")
        if name in INTERPRETERS and name not in PYTHONS:
            return f"{name} runs code that cannot be checked"
        if name == "find" and FIND_RUNS.intersection(args):
            return "find -exec runs another program for each file"
        if name == "find" and FIND_WRITES.intersection(args):
            return "find -fprint writes files"
        if name not in self.allow_programs:
            return f"{name!r} is not on the allow list"
        return ""


# Approvers: (tool name, arguments, reason it is risky) -> approved? ------------------------
Approver = Callable[[str, dict[str, Any], str], bool]


def approve_all(tool: str, arguments: dict[str, Any], reason: str) -> bool:
    """Non-interactive: every risky action goes ahead (deny-listed ones are still refused)."""
    return True


def deny_risky(tool: str, arguments: dict[str, Any], reason: str) -> bool:
    """Non-interactive: every risky action is refused; only allow-listed actions run."""
    return False


def ask_in_terminal(tool: str, arguments: dict[str, Any], reason: str,
                    ask: Callable[[str], str] = input) -> bool:
    """Human in the loop: show the action and ask y/N in the terminal."""
    shown = json.dumps(arguments)[:300]
    try:
        answer = ask(f"\nThe agent wants to run {tool} {shown}\n({reason}). Allow? [y/N] ")
    except EOFError:  # no terminal (a pipe, CI): the safe answer is no
        return False
    return answer.strip().lower() in {"y", "yes"}


APPROVERS: dict[str, Approver] = {
    "ask": ask_in_terminal, "approve-all": approve_all, "deny-risky": deny_risky,
}


class RepeatDetector:
    """Counts identical calls (same tool, same arguments). `seen(name, args)` returns how many
    times this exact call was made before, then records it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def forget(self) -> None:
        """Start counting afresh (after the workspace changed, the same call may give news)."""
        self.counts.clear()

    def seen(self, name: str, arguments: dict[str, Any]) -> int:
        key = name + json.dumps(arguments, sort_keys=True, default=str)
        before = self.counts.get(key, 0)
        self.counts[key] = before + 1
        return before
