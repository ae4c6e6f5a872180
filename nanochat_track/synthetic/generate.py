"""Generate synthetic conversations into JSON-lines files, resumably.

    .venv/bin/python -m nanochat_track.synthetic.generate --type=all --count=50
    .venv/bin/python -m nanochat_track.synthetic.generate --type=identity --count=200 --backend=ollama
    .venv/bin/python -m nanochat_track.synthetic.generate --type=reasoning --count=20000 --out=data/

--out is a folder (one <type>.jsonl per type; default runs/nanochat/cpu-tiny/synthetic, where
midtrain and sft --config=cpu-tiny read them) or, for one type, a .jsonl file. --count is the number of conversations each file should hold: running the
same command again appends only what is missing, and never a duplicate (see jsonl_store.py).
identity asks an LLM (--backend: "" for the project's settings, i.e. Ollama when it answers,
else the embedded model; or embedded, ollama, openai, scripted); the replies its checks refuse
go to identity.refused.jsonl beside, with the reason. reasoning and tool_use are programmatic
and need none. --identity=card.json gives the model another identity.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from tqdm import tqdm

from shared.cli import UsageError, parse_overrides, run_main
from shared.llm import ChatBackend

from ..config import runs_root
from . import identity, reasoning, tool_use
from .jsonl_store import JsonlStore, sha_of

TYPES = ("identity", "reasoning", "tool_use")
MAX_DRAWS_PER_RECORD = 20  # give up when this many draws per wanted record found nothing new


def spec_rng(seed: int, kind: str, index: int) -> random.Random:
    """The generator of draw number `index`: the same seed always draws the same specs."""
    return random.Random(f"{seed}:{kind}:{index}")


def generate(kind: str, count: int, path: str | Path, seed: int = 0, llm: ChatBackend | None = None,
             model_identity: identity.ModelIdentity | None = None, languages: tuple[str, ...] | None = None,
             progress: bool = True, log=print) -> dict:
    """Bring the file at `path` up to `count` records of `kind`; returns the run's figures:
    written, already there, rejected (bad LLM replies, and their reasons), skipped
    conversations, duplicates, seconds, per minute."""
    if kind not in TYPES:
        raise UsageError(f"unknown type {kind!r}: use one of {', '.join(TYPES)} or all.")
    if kind == "identity" and llm is None:
        raise UsageError("identity conversations need an LLM: pass llm=get_llm() (or --backend=...).")
    module = {"identity": identity, "reasoning": reasoning, "tool_use": tool_use}[kind]
    model_identity = model_identity or identity.ModelIdentity()
    langs = tuple(languages or module.LANGUAGES)
    unknown = [lang for lang in langs if lang not in module.LANGUAGES]
    if unknown:
        raise UsageError(f"{kind} has no templates for {', '.join(unknown)}: use some of "
                         f"{', '.join(module.LANGUAGES)}.")
    store = JsonlStore(path)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.touch()  # an empty file when nothing passes: a mixture then reads zero conversations
    if store.repaired:
        log(f"{path}: cut an unfinished last line (an interrupted write)")
    before = store.count
    figures = {"type": kind, "path": str(path), "already": before, "written": 0,
               "rejected": 0,  # LLM replies refused by the checks (each was asked again)
               "skipped": 0,  # conversations given up after their retries
               "reasons": {},  # why the replies were refused: reason -> count
               "duplicates": 0, "draws": 0}
    start = time.time()
    bar = tqdm(total=count, initial=min(before, count), desc=kind, unit="conv", disable=not progress)
    index = 0
    while store.count < count and index < MAX_DRAWS_PER_RECORD * count:
        spec = module.make_spec(spec_rng(seed, kind, index), langs)
        index += 1
        key = sha_of({"type": kind, "spec": spec, "identity": model_identity.name if kind == "identity" else ""})
        if key in store.ids:
            continue  # done in an earlier run
        if kind == "identity":
            reasons: list[str] = []
            refused: list[dict] = []
            made = module.conversation(spec, llm, model_identity, seed=index, rejected=reasons, refused=refused)
            if refused:  # kept beside the data, to read what the checks refused and why
                with open(refused_path(store.path), "a", encoding="utf-8") as handle:
                    handle.writelines(json.dumps({"spec": spec, **r}, ensure_ascii=False) + "\n" for r in refused)
            figures["rejected"] += len(reasons)
            for reason in reasons:
                figures["reasons"][reason] = figures["reasons"].get(reason, 0) + 1
            if made is None:
                figures["skipped"] += 1
                continue
            made.pop("rejected")
        else:
            made = module.conversation(spec)
        if store.has(key, made["messages"]):
            figures["duplicates"] += 1
            continue
        store.append({"id": key, "type": kind, **made, "spec": spec})
        figures["written"] += 1
        bar.update(1)
    bar.close()
    figures["draws"] = index
    figures["seconds"] = time.time() - start
    figures["per_minute"] = 60 * figures["written"] / figures["seconds"] if figures["written"] else 0.0
    figures["total"] = store.count
    if store.count < count:
        log(f"{kind}: only {store.count} of {count} after {index} draws (replies rejected: "
            f"{figures['rejected']} {figures['reasons'] or ''}, duplicates {figures['duplicates']}): the "
            "templates give few more, or the LLM's replies keep failing the checks.")
    return figures


def refused_path(path: Path) -> Path:
    """identity.jsonl -> identity.refused.jsonl: the LLM replies the checks refused, with why."""
    return path.with_name(f"{path.stem}.refused.jsonl")


def output_path(out: str, kind: str, several: bool) -> Path:
    """<out>/<kind>.jsonl, or `out` itself when it names a .jsonl file (one type only)."""
    if out.endswith(".jsonl"):
        if several:
            raise UsageError("--out names one .jsonl file but --type=all writes three: give a folder.")
        return Path(out)
    return Path(out or Path(runs_root()) / "cpu-tiny" / "synthetic") / f"{kind}.jsonl"


def make_llm(backend: str) -> ChatBackend:
    """The LLM for identity replies: the project's settings, or the named backend."""
    from shared.config import load_settings
    from shared.llm import get_llm

    settings = load_settings(backend=backend) if backend else load_settings()
    return get_llm(settings)


def generate_for_run(cfg, llm: ChatBackend | None = None, progress: bool = True, log=print) -> dict:
    """The pipeline's synthetic stage: each type up to its count in the config (identity_count,
    reasoning_count, tool_use_count) in <run_dir>/synthetic (or cfg.synthetic_dir)."""
    from ..finetune import synthetic_dir

    folder = synthetic_dir(cfg)
    card = identity.ModelIdentity.load(cfg.identity_file) if cfg.identity_file else identity.ModelIdentity()
    figures = {}
    for kind, count in (("reasoning", cfg.reasoning_count), ("tool_use", cfg.tool_use_count),
                        ("identity", cfg.identity_count)):
        if kind == "identity" and count > 0 and llm is None:
            llm = make_llm(cfg.synthetic_backend)
        if kind == "identity" and llm is not None:
            figures["llm"] = llm.describe()
        figures[kind] = generate(kind, count, folder / f"{kind}.jsonl", cfg.seed, llm, card,
                                 progress=progress, log=log)
        f = figures[kind]
        why = f": {', '.join(f'{n} {r}' for r, n in f['reasons'].items())}" if f["reasons"] else ""
        log(f"synthetic {kind}: {f['total']} conversations ({f['written']} new, {f['rejected']} replies "
            f"rejected{why}) in {f['seconds']:.1f} s, {f['per_minute']:.1f}/min")
    return figures


OPTIONS = {"type": "all",  # identity, reasoning, tool_use, or all
           "count": 50,  # conversations each file should hold
           "out": "",  # a folder (default runs/nanochat/cpu-tiny/synthetic), or a .jsonl file for one type
           "seed": 0, "backend": "",  # "": the project's settings; embedded, ollama, openai, scripted
           "identity": "",  # a JSON identity card; "": the default ModelIdentity
           "languages": "",  # comma-separated, e.g. en,fr; "": every language the type has
           "progress": True}


def main(argv: list[str] | None = None) -> int:
    args = parse_overrides(sys.argv[1:] if argv is None else argv, OPTIONS, __doc__)
    kinds = TYPES if args["type"] == "all" else (args["type"],)
    if any(k not in TYPES for k in kinds):
        raise UsageError(f"--type is one of {', '.join(TYPES)} or all, not {args['type']!r}.")
    card = identity.ModelIdentity.load(args["identity"]) if args["identity"] else identity.ModelIdentity()
    llm = make_llm(args["backend"]) if "identity" in kinds else None
    languages = tuple(x for x in args["languages"].split(",") if x) or None
    for kind in kinds:
        path = output_path(args["out"], kind, len(kinds) > 1)
        f = generate(kind, args["count"], path, args["seed"], llm, card, languages, args["progress"])
        print(f"{kind}: {f['total']} in {path} ({f['written']} new, {f['already']} already there, "
              f"{f['duplicates']} duplicates skipped, {f['rejected']} replies rejected) in "
              f"{f['seconds']:.1f} s: {f['per_minute']:.1f} conversations/min")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
