"""Synthetic conversations for mid-training and SFT, generated offline.

- identity.py: who the model is (a ModelIdentity card); the replies are written by an LLM
  through the project's own backends (shared.llm: the embedded model, Ollama, or an
  OpenAI-compatible server), each checked before it is kept;
- reasoning.py: letter counting, spelling and the like, decomposed into explicit steps;
  programmatic, correct by construction, no LLM;
- tool_use.py: arithmetic through the python calculator tool; programmatic, the results
  computed by the restricted calculator, no LLM;
- jsonl_store.py: the JSON-lines files, deduplicated and resumable;
- generate.py: the command line (`python -m nanochat_track.synthetic.generate --type=all`).
"""
