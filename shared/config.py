"""Settings for the whole project: defaults, then a TOML config file, then environment variables.

Config file: $AGENTLAB_CONFIG, else ./agentlab.toml, else ~/.config/agentlab/config.toml.
Example agentlab.toml:

    backend = "ollama"            # auto | ollama | openai | embedded | scripted
    model = "qwen2.5-coder:7b-instruct-q4_K_M"

Environment variables win over the file: AGENTLAB_BACKEND, AGENTLAB_MODEL, AGENTLAB_EMBEDDED_MODEL,
OLLAMA_HOST, OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL, AGENTLAB_CACHE, AGENTLAB_TIMEOUT,
AGENTLAB_MAX_RETRIES, AGENTLAB_N_CTX, AGENTLAB_THREADS.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from shared.errors import AgentlabError

BACKENDS = ("auto", "ollama", "openai", "embedded", "scripted")


class ConfigError(AgentlabError, ValueError):
    """A config file or variable holds something we cannot use (ValueError too, for older callers)."""


@dataclass(frozen=True)
class Settings:
    backend: str = "auto"
    model: str = ""  # empty: the chosen backend's default model
    embedded_model: str = "qwen2.5-coder-0.5b"  # see shared.model_files.MODELS
    ollama_host: str = "http://localhost:11434"
    ollama_model: str = "qwen2.5-coder:7b-instruct-q4_K_M"
    openai_base_url: str = "http://localhost:8000/v1"
    openai_api_key: str = "not-needed"
    openai_model: str = "local-model"
    cache_dir: str = str(Path.home() / ".cache" / "agentlab")
    timeout_s: float = 120.0
    max_retries: int = 3
    n_ctx: int = 8192
    n_threads: int = 0  # 0: as many as the machine has cores

    @property
    def cache_path(self) -> Path:
        return Path(self.cache_dir).expanduser()


ENV_VARS = {
    "AGENTLAB_BACKEND": "backend",
    "AGENTLAB_MODEL": "model",
    "AGENTLAB_EMBEDDED_MODEL": "embedded_model",
    "OLLAMA_HOST": "ollama_host",
    "OPENAI_BASE_URL": "openai_base_url",
    "OPENAI_API_KEY": "openai_api_key",
    "OPENAI_MODEL": "openai_model",
    "AGENTLAB_CACHE": "cache_dir",
    "AGENTLAB_TIMEOUT": "timeout_s",
    "AGENTLAB_MAX_RETRIES": "max_retries",
    "AGENTLAB_N_CTX": "n_ctx",
    "AGENTLAB_THREADS": "n_threads",
}


def config_file_path() -> Path | None:
    """The config file in force, or None."""
    if os.environ.get("AGENTLAB_CONFIG"):
        return Path(os.environ["AGENTLAB_CONFIG"])
    for candidate in (Path("agentlab.toml"), Path.home() / ".config" / "agentlab" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def _coerce(name: str, value: object, source: str) -> object:
    """Turn a file or environment value into the field's type, or say clearly why not."""
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if isinstance(value, dict | list):  # a TOML table or array where one value belongs
        raise ConfigError(f"{source}: {name} = {value!r} is not a valid {kind}")
    try:
        if kind == "int":
            return int(value)  # type: ignore[arg-type]
        if kind == "float":
            return float(value)  # type: ignore[arg-type]
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} = {value!r} is not a valid {kind}") from None


def normalise_ollama_host(host: str, source: str = "$OLLAMA_HOST") -> str:
    """OLLAMA_HOST may be '0.0.0.0', 'localhost:11434' or a full URL; make it a URL.

    No scheme means http, and no port means Ollama's 11434. Raises ConfigError for something
    that is no URL (a port that is not a number, another scheme, spaces)."""
    text = host.strip()
    if "://" not in text:
        text = "http://" + text
    problem = (f"{source}: ollama_host = {host!r} is not a URL we can reach Ollama at: set it "
               "like http://localhost:11434")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a port that is no number in 0..65535
    except ValueError:
        raise ConfigError(problem) from None
    netloc = parts.netloc if port is not None else parts.netloc + ":11434"
    if parts.netloc.startswith(":") and port is not None:  # ':11434' means this machine
        netloc = "127.0.0.1" + netloc
    elif not parts.hostname:
        raise ConfigError(problem)
    if parts.scheme not in ("http", "https") or any(c.isspace() for c in text):
        raise ConfigError(problem)
    if parts.hostname == "0.0.0.0":  # the address a server listens on, not one to call
        netloc = netloc.replace("0.0.0.0", "127.0.0.1")
    return f"{parts.scheme}://{netloc}{parts.path}".rstrip("/")


def read_config_file(path: Path) -> dict[str, object]:
    """The TOML table in `path`; a file we cannot read or parse is a ConfigError."""
    fix = "fix it or delete it (see shared/config.py for the settings)"
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"cannot read the config file {path} ({err.strerror or err})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"the config file {path} is not UTF-8 text (is it a binary file?): "
                          f"{fix}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"the config file {path} is not valid TOML ({err}): {fix}") from None


def load_settings(**overrides: object) -> Settings:
    """Defaults < config file < environment < keyword overrides."""
    values: dict[str, object] = {}
    sources: dict[str, str] = {}  # setting -> where its value came from, for error messages
    path = config_file_path()
    if path is not None:
        data = read_config_file(path)
        known = {f.name for f in fields(Settings)}
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"{path}: unknown setting {key!r}; known: {sorted(known)}")
            values[key] = _coerce(key, value, str(path))
            sources[key] = str(path)
    for var, key in ENV_VARS.items():
        if os.environ.get(var):
            values[key] = _coerce(key, os.environ[var], f"${var}")
            sources[key] = f"${var}"
    for key, value in overrides.items():
        values[key] = _coerce(key, value, "argument")
        sources[key] = "argument"
    settings = replace(Settings(), **values)  # type: ignore[arg-type]
    if settings.backend not in BACKENDS:
        raise ConfigError(
            f"{sources.get('backend', 'default')}: backend {settings.backend!r} is not one of "
            f"{', '.join(BACKENDS)}"
        )
    for name, low in (("timeout_s", 0.001), ("n_ctx", 256), ("max_retries", 0), ("n_threads", 0)):
        if getattr(settings, name) < low:
            raise ConfigError(
                f"{sources.get(name, 'default')}: {name} = {getattr(settings, name)!r} is too "
                f"small (at least {low})"
            )
    host = normalise_ollama_host(settings.ollama_host, sources.get("ollama_host", "default"))
    return replace(settings, ollama_host=host)
