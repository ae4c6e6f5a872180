"""The definition of done (`make check`), run for real:

1. the bigram generates text;
2. the numpy MLP's validation loss is below the bigram's;
3. the transformer's validation loss is below the numpy MLP's;
4. save then load reproduces identical outputs (each of the three models);
5. on success, the milestone is recorded in history.md.

It trains the three models at the milestone's size (into runs/phase1/check) and writes no
write-up.

    .venv/bin/python -m phase1_tinylm.check [--no_record] [any milestone setting, --mlp_steps=4000]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from phase1_tinylm.bigram import bits
from phase1_tinylm.checkpoint import CheckpointError, load_bigram, load_mlp
from phase1_tinylm.data import CharTokenizer, load_corpus
from phase1_tinylm.milestone import FAST, SETTINGS, run_all, runs_dir
from phase1_tinylm.sampling import generate
from phase1_tinylm.train_transformer import load_transformer
from phase1_tinylm.transformer import TransformerLM
from shared.check_report import CheckReport
from shared.cli import parse_overrides, run_main

# The milestone's sizes (each model must beat the one before at the size the learner runs),
# shorter samples.
CHECK = dict(sample_chars=200)


def same_outputs(original, loaded, val_ids: np.ndarray, prompt: list[int]) -> tuple[bool, str]:
    """Identical validation loss, next-character scores and seeded samples?"""
    loss_a, loss_b = original.loss(val_ids), loaded.loss(val_ids)
    logits_same = np.array_equal(original.next_logits(prompt), loaded.next_logits(prompt))
    sample_same = generate(original, prompt, 100, 0.8, 20, seed=1) == generate(loaded, prompt, 100, 0.8, 20, seed=1)
    ok = loss_a == loss_b and logits_same and sample_same
    return ok, f"val loss {loss_a:.6f} vs {loss_b:.6f}, logits {'equal' if logits_same else 'DIFFER'}, " \
               f"samples {'equal' if sample_same else 'DIFFER'}"


def main(argv: list[str] | None = None) -> int:
    base = {**SETTINGS, **CHECK, **(FAST if os.environ.get("AGENTLAB_FAST") else {})}
    base["out"] = str(runs_dir() / "check")
    base["no_record"] = False
    settings = parse_overrides(sys.argv[1:] if argv is None else argv, base, __doc__)
    record = not settings.pop("no_record")
    report = CheckReport("phase1_tinylm", "a tiny language model from scratch: bigram, numpy MLP, transformer")
    start = time.perf_counter()
    results = run_all(settings)
    m = results["models"]
    bg, mlp, tf = m["bigram"], m["numpy MLP"], m["transformer"]
    out = Path(results["out"])

    sample = results["samples"]["bigram"]
    report.add("the bigram generates text", len(sample) > len(settings["prompt"]) + 50,
               f"{len(sample)} characters: {sample[len(settings['prompt']):][:40]!r}…",
               "the bigram produced no text: check that the corpus is not empty (make -C phase1_tinylm corpus).")
    report.add("numpy MLP beats the bigram", mlp["val_loss"] < bg["val_loss"],
               f"val {bits(mlp['val_loss']):.3f} < {bits(bg['val_loss']):.3f} bits/char",
               "train the MLP longer (--mlp_steps=4000) or check its gradients (notebook 03).")
    report.add("transformer beats the numpy MLP", tf["val_loss"] < mlp["val_loss"],
               f"val {bits(tf['val_loss']):.3f} < {bits(mlp['val_loss']):.3f} bits/char",
               "train the transformer longer (--tf_max_steps=4000) or lower its learning rate (--tf_lr=1e-3).")

    corpus = load_corpus(settings["data"] or None, settings["max_bytes"] or None)
    tok: CharTokenizer = corpus.tokenizer
    val_ids = np.array(tok.encode(corpus.val_text), dtype=np.int64)
    prompt = tok.encode(settings["prompt"])
    details = []
    ok_all = True
    try:
        for name, load in (("bigram", lambda: load_bigram(out / "bigram.npz", tok.to_list())[0]),
                           ("numpy MLP", lambda: load_mlp(out / "numpy_mlp.npz", tok.to_list())[0]),
                           ("transformer", lambda: TransformerLM(load_transformer(out / "transformer.npz", tok.to_list())[0]))):
            loaded = load()
            original = results["objects"][name]
            ok, detail = same_outputs(original, loaded, val_ids, prompt)
            ok_all &= ok
            details.append(f"{name}: {detail}")
    except CheckpointError as err:
        ok_all, details = False, [str(err)]
    report.add("save then load gives identical outputs", ok_all,
               "bigram, numpy MLP, transformer: same val loss, logits and samples" if ok_all else "; ".join(details),
               "compare the saved and loaded arrays (tests/phase1/test_phase1_checkpoint.py) to find which differs.")
    for line in details:
        print("  " + line)
    print(f"{time.perf_counter() - start:.0f} s; bigram {bits(bg['val_loss']):.3f}, "
          f"MLP {bits(mlp['val_loss']):.3f}, transformer {bits(tf['val_loss']):.3f} bits/char")
    return report.finish(record=record)


if __name__ == "__main__":
    sys.exit(run_main(main))
