"""One command-line reader for every entry point: presets, typed overrides, each entry point's
own flags, and an error naming the closest option for anything else. `make chat` finds the
checkpoint `make check` wrote and says that the model is a base model."""

from __future__ import annotations

import importlib
import shutil

import pytest

from nanochat_track.config import ConfigError, parse_args
from shared.cli import UsageError


def test_presets_and_overrides_still_work():
    cfg, flags = parse_args(["--config=gpu-1", "--depth=16", "--adam_betas=0.9,0.99"], {"resume": False})
    assert (cfg.name, cfg.depth, cfg.adam_betas, cfg.head_dim) == ("gpu-1", 16, (0.9, 0.99), 128)
    assert cfg.run_dir.endswith("gpu-1") and flags == {"resume": False}
    cfg, flags = parse_args(["--config", "d20", "--resume"], {"resume": False})
    assert cfg.depth == 20 and flags["resume"] is True
    cfg, _ = parse_args([])
    assert cfg.name == "cpu-tiny" and cfg.max_steps == 100


@pytest.mark.parametrize("module, argv, closest", [
    ("pretrain", ["--max_step=10"], "--max_steps"),
    ("pretrain", ["--resmue"], "--resume"),
    ("prepare", ["--forse"], "--force"),
    ("pipeline", ["--n_task=3"], "--n_tasks"),
    ("bench", ["--step=3"], "--steps"),
    ("check", ["--no_recrod"], "--no_record"),
    ("evaluate", ["--checkpont=x.pt"], "--checkpoint"),
    ("chat_cli", ["--temprature=0.5"], "--temperature"),
])
def test_every_unknown_flag_is_an_error_naming_the_closest(module, argv, closest):
    main = importlib.import_module(f"nanochat_track.{module}").main
    with pytest.raises(UsageError, match=f"did you mean {closest}\\?"):
        main(argv)


def test_an_unknown_preset_names_the_presets():
    with pytest.raises(ConfigError, match="did you mean gpu-1"):
        parse_args(["--config=gpu1"])


def test_chat_finds_the_checkpoint_check_wrote(prepared_run, tmp_path, tiny, monkeypatch, capsys):
    from nanochat_track.chat_cli import main as chat_main
    from nanochat_track.check import CHECK_RUN_DIR
    from nanochat_track.config import runs_root
    from nanochat_track.pretrain import train

    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path))
    run_dir = tmp_path / "nanochat" / CHECK_RUN_DIR
    for part in ("tokenizer", "data"):
        shutil.copytree(prepared_run[0] / part, run_dir / part)
    assert run_dir.parent == tmp_path / "nanochat" and runs_root() == str(tmp_path / "nanochat")
    cfg, _ = parse_args([], {"no_record": False}, defaults={"run_dir": str(run_dir), **tiny[0],
                                                            "max_steps": 1, "eval_every": 1})
    train(cfg, log=lambda *a: None, progress=False)
    assert chat_main(["--prompt=hello", "--max_tokens=4"]) == 0
    err = capsys.readouterr().err
    assert str(run_dir / "checkpoints" / "model.pt") in err and "step 1" in err
    assert "base model" in err and "not answers" in err
