"""The command line, written once for every phase: `--name=value` overrides and plain errors.

    defaults = {"steps": 100, "lr": 3e-4, "resume": False, "out": "runs/x"}
    options = parse_overrides(sys.argv[1:], defaults, doc=__doc__)
    # --steps=200 --resume  ->  {"steps": 200, "lr": 0.0003, "resume": True, "out": "runs/x"}

    if __name__ == "__main__":
        sys.exit(run_main(main))

Hyperparameters stay plain values at the top of a script (nanoGPT style); this module only reads
the overrides. An unknown flag is an error that names the closest known one (`--resmue` ->
"did you mean --resume?"), a value of the wrong type is an error that names the type, and
`--help` lists every option with its default.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Mapping
from typing import Any

from shared.errors import AgentlabError

TRUE_WORDS = {"1", "true", "yes", "on", ""}
FALSE_WORDS = {"0", "false", "no", "off"}


class UsageError(AgentlabError):
    """A command line we cannot read: an unknown flag or a value of the wrong type."""


def convert(name: str, raw: str, default: Any) -> Any:
    """`raw` as the type of `default` (str when the default is None). Raises UsageError."""
    if isinstance(default, bool):
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise UsageError(f"--{name} is true or false (1/0, yes/no), not {raw!r}.")
    if default is None or isinstance(default, str):
        return raw
    try:
        return type(default)(raw)
    except ValueError:
        raise UsageError(f"--{name} wants {type(default).__name__} (like --{name}={default}), "
                         f"not {raw!r}.") from None


def unknown_option(name: str, known: list[str]) -> UsageError:
    """The error for a flag we do not know, naming the closest known one."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean --{close[0]}?" if close else "--help lists the options."
    return UsageError(f"unknown option --{name}: {hint}")


def help_text(defaults: Mapping[str, Any], doc: str | None = None) -> str:
    """The doc (if any), then every option with its default."""
    width = max((len(k) for k in defaults), default=0)
    lines = [doc.strip(), ""] if doc else []
    lines.append("Options (--name=value; a true/false option alone means true):")
    lines += [f"  --{k:<{width}}  (default: {v!r})" for k, v in defaults.items()]
    return "\n".join(lines)


def parse_overrides(argv: list[str], defaults: Mapping[str, Any],
                    doc: str | None = None) -> dict[str, Any]:
    """`--name=value` (or `--name value`, or a bare `--flag` for a bool) for each of `defaults`,
    typed like its default. `-h`/`--help` prints the options and exits 0. Raises UsageError."""
    values = dict(defaults)
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("-h", "--help"):
            print(help_text(defaults, doc))
            raise SystemExit(0)
        if not arg.startswith("--"):
            raise UsageError(f"arguments look like --name=value, not {arg!r}.")
        name, has_value, raw = arg[2:].partition("=")
        name = name.replace("-", "_")
        if name not in defaults:
            raise unknown_option(name, list(defaults))
        if not has_value and not isinstance(defaults[name], bool):
            if not args or args[0].startswith("--"):
                raise UsageError(f"--{name} needs a value: --{name}=...")
            raw = args.pop(0)
        values[name] = convert(name, raw, defaults[name])
    return values


def run_main(main: Callable[[], int | None]) -> int:
    """Call `main`; a learner-facing error prints one sentence (no traceback) and returns 2."""
    try:
        return main() or 0
    except AgentlabError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted.", file=sys.stderr)
        return 130
