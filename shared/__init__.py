"""agentlab's shared package: the common parts (LLM backends, config, progress log, sandbox)
and the frozen public API of finished phases. Later phases import earlier ones only from here."""
