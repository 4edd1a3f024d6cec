"""How each coding CLI is pointed at a gateway and run once, unattended: the files it reads from a
fresh home, its environment, its command line. docs/coding-clis.md tells users the same settings.

Every run starts from an empty environment (nothing of the caller's leaks in: no real keys, no
proxies), gets a fresh HOME, may reach loopback only (any other host goes to an ``OutboundTrap``
proxy), and is bounded by a timeout.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

RUN_TIMEOUT_S = 120
LOOPBACK = "127.0.0.1,localhost,::1"


@dataclass(frozen=True, slots=True)
class Run:
    """One finished (or timed-out) CLI run; ``answer`` is what it printed as its final answer."""

    command: list[str]
    returncode: int | None  # None: killed at the timeout
    answer: str
    stderr: str

    def describe(self) -> str:
        return (
            f"$ {' '.join(self.command[:3])} ... (exit {self.returncode})\n"
            f"  answer: {self.answer.strip()[:1500]!r}\n  stderr: {self.stderr.strip()[-1500:]!r}"
        )


# In every ``setup``, ``model`` None leaves the choice to the CLI.


@dataclass(frozen=True, slots=True)
class Setup:
    """What a run needs beyond the program: environment variables and command-line arguments."""

    env: dict[str, str]
    args: list[str]
    answer_file: Path | None = None  # where the CLI writes its final answer, if not to stdout


class ClaudeCode:
    """Claude Code speaks Anthropic Messages; ANTHROPIC_BASE_URL is the gateway root (it appends
    /v1/messages). Without the four switches it reports to its vendor and checks for updates."""

    name = "claude"

    def setup(
        self, home: Path, workspace: Path, gateway: str, key: str, prompt: str, model: str | None
    ) -> Setup:
        env = {
            "ANTHROPIC_BASE_URL": gateway,
            "ANTHROPIC_API_KEY": key,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_ERROR_REPORTING": "1",
        }
        args = ["-p", prompt, "--output-format", "text", "--max-turns", "4"]
        return Setup(env, args + (["--model", model] if model else []))


class CodexCli:
    """Codex CLI speaks OpenAI Responses and ignores OPENAI_BASE_URL: the gateway is a
    ``model_providers`` entry in $CODEX_HOME/config.toml, its key read from the variable that
    entry names. Retries are off so that a refusal shows at once. Its sandbox lets it write in
    the workspace only (where its ``apply_patch`` edits the tests' files)."""

    name = "codex"
    key_variable = "GATEWAY_API_KEY"

    def setup(
        self, home: Path, workspace: Path, gateway: str, key: str, prompt: str, model: str | None
    ) -> Setup:
        codex_home = home / ".codex"
        codex_home.mkdir(parents=True, exist_ok=True)
        (codex_home / "config.toml").write_text(self.config(gateway, model), encoding="utf-8")
        answer = home / "answer.txt"
        env = {"CODEX_HOME": str(codex_home), self.key_variable: key}
        args = ["exec", "--skip-git-repo-check", "--sandbox", "workspace-write"]
        return Setup(env, [*args, "--output-last-message", str(answer), prompt], answer)

    def config(self, gateway: str, model: str | None) -> str:
        chosen = f'model = "{model}"\n' if model else ""
        return f"""\
{chosen}model_provider = "gateway"
check_for_update_on_startup = false

[model_providers.gateway]
name = "LLM gateway"
base_url = "{gateway}/v1"
env_key = "{self.key_variable}"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[feedback]
enabled = false

[features]
plugins = false
"""


class GeminiCli:
    """Gemini CLI speaks the Gemini API; GOOGLE_GEMINI_BASE_URL is the gateway root (it appends
    /v1beta/models/...). It needs an auth type chosen in settings.json, a trusted workspace, and
    ``-m``, or it picks its own model names."""

    name = "gemini"

    def setup(
        self, home: Path, workspace: Path, gateway: str, key: str, prompt: str, model: str | None
    ) -> Setup:
        settings = {
            "security": {"auth": {"selectedType": "gemini-api-key"}},
            "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
            "privacy": {"usageStatisticsEnabled": False},
            "telemetry": {"enabled": False},
        }
        gemini_home = home / ".gemini"
        gemini_home.mkdir(parents=True, exist_ok=True)
        (gemini_home / "settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
        trusted = {str(workspace): "TRUST_FOLDER"}
        (gemini_home / "trustedFolders.json").write_text(json.dumps(trusted), encoding="utf-8")
        env = {"GEMINI_API_KEY": key, "GOOGLE_GEMINI_BASE_URL": gateway}
        return Setup(env, ["-p", prompt, "--output-format", "text"] + (["-m", model] if model else []))


CLIENTS = {client.name: client for client in (ClaudeCode(), CodexCli(), GeminiCli())}


def base_environment(home: Path, trap_proxy: str) -> dict[str, str]:
    """The whole environment a CLI starts from: no inherited variables, every proxy variable
    pointing at the trap, loopback exempted."""
    node = shutil.which("node")
    path = os.pathsep.join(
        dict.fromkeys([str(Path(node).parent) if node else "/usr/bin", "/usr/bin", "/bin"])
    )
    env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "TERM": "dumb", "NO_COLOR": "1"}
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[variable] = env[variable.lower()] = trap_proxy
    env["NO_PROXY"] = env["no_proxy"] = LOOPBACK
    return env


def run(program: Path, setup: Setup, home: Path, workspace: Path, trap_proxy: str) -> Run:
    """Run the CLI in its own process group, so a timeout ends it and everything it started."""
    env = {**base_environment(home, trap_proxy), **setup.env}
    command = [str(program), *setup.args]
    process = subprocess.Popen(
        command,
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT_S)
        returncode: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        returncode, stderr = None, stderr + f"\n[killed after {RUN_TIMEOUT_S} s]"
    answer = stdout
    if setup.answer_file is not None:
        answer = setup.answer_file.read_text(encoding="utf-8") if setup.answer_file.exists() else ""
    return Run(command, returncode, answer, stderr)
