"""The command lines: unknown flags name the closest one, learner errors print one sentence,
and the milestone writes its write-up under runs/, never into the tracked folder."""

from __future__ import annotations

import pytest

from shared.cli import UsageError, run_main

HERE_WRITEUP = "phase1_tinylm/WRITEUP.md"


@pytest.mark.parametrize("module, argv, closest", [
    ("milestone", ["--tf_max_step=10", "--max_bytes=10"], "--tf_max_steps"),
    ("check", ["--no_recrod", "--max_bytes=10"], "--no_record"),
    ("bench", ["--minute=1", "--max_bytes=10"], "--minutes"),
    ("train_transformer", ["--resmue", "--max_bytes=10"], "--resume"),
    ("overfitting", ["--weight_decy=1"], "--weight_decay"),
    ("data", ["--list_file"], "--list_files"),
])
def test_unknown_flag_names_the_closest_one(module, argv, closest):
    import importlib

    main = importlib.import_module(f"phase1_tinylm.{module}").main
    with pytest.raises(UsageError, match=f"did you mean {closest}\\?"):
        main(argv)


def test_a_corpus_error_prints_one_sentence(tmp_path, capsys, monkeypatch):
    from phase1_tinylm.milestone import main

    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path))
    assert run_main(lambda: main([f"--data={tmp_path / 'missing.txt'}"])) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "is not a file" in err


def test_the_milestone_writes_under_runs_and_leaves_the_tracked_writeup_alone(tmp_path, monkeypatch):
    from phase1_tinylm.milestone import REPO, main

    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path))
    tracked = (REPO / HERE_WRITEUP).read_bytes()
    main(["--max_bytes=20000", "--eval_tokens=500", "--pure_steps=5", "--mlp_steps=5",
          "--mlp_hidden=16", "--tf_max_steps=2", "--tf_eval_every=1", "--tf_ckpt_every=2",
          "--tf_n_layer=1", "--tf_n_embd=16", "--tf_batch_size=4", "--sample_chars=10"])
    writeup = tmp_path / "phase1" / "WRITEUP.md"
    assert "## Results" in writeup.read_text()
    for png in ("writeup_loss_curves.png", "writeup_models.png"):
        assert (tmp_path / "phase1" / png).read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "phase1" / "milestone" / "results.json").is_file()
    assert (REPO / HERE_WRITEUP).read_bytes() == tracked
