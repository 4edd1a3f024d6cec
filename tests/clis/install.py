"""Install the pinned coding CLIs from the npm registry into a cache directory outside the repo.

The three packages are large (the Claude Code and Codex packages carry native binaries), so they
are installed once per set of versions and reused: ``~/.cache/llm-gateway-clis/<versions>`` by
default, ``$GATEWAY_CLIS_DIR`` when set. An install goes to a temporary sibling directory and is
renamed into place when complete, under a lock, so concurrent test workers and an interrupted
install never see half a directory. Standard library only: tox runs it as a script.

    python tests/clis/install.py        # install if needed, print where each program is
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The newest versions that install and run here with Node 20 (Claude Code's package says it wants
# Node 22, but it only carries a native binary, which does not use Node).
PINS: dict[str, tuple[str, str]] = {
    "claude": ("@anthropic-ai/claude-code", "2.1.330"),
    "codex": ("@openai/codex", "0.169.0"),
    "gemini": ("@google/gemini-cli", "0.61.0"),
}
INSTALL_TIMEOUT_S = 420
READY = ".installed"


def cache_root() -> Path:
    configured = os.environ.get("GATEWAY_CLIS_DIR")
    if configured:
        return Path(configured).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "llm-gateway-clis"


def install_dir(root: Path | None = None) -> Path:
    """One directory per set of pinned versions, so changing a pin never reuses a stale install."""
    versions = "_".join(f"{name}-{version}" for name, (_, version) in sorted(PINS.items()))
    return (root or cache_root()) / versions


def programs(directory: Path) -> dict[str, Path]:
    return {name: directory / "node_modules" / ".bin" / name for name in PINS}


def install(root: Path | None = None) -> dict[str, Path]:
    """The installed programs by name, installing them first if this cache lacks them."""
    directory = install_dir(root)
    if not (directory / READY).is_file():
        directory.parent.mkdir(parents=True, exist_ok=True)
        with open(directory.parent / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (directory / READY).is_file():
                _install_into(directory)
    return programs(directory)


def _install_into(directory: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH; the coding CLIs are installed with it")
    staging = Path(tempfile.mkdtemp(prefix=directory.name + ".", dir=directory.parent))
    specs = [f"{package}@{version}" for package, version in PINS.values()]
    command = [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--no-save", *specs]
    (staging / "package.json").write_text("{}\n", encoding="utf-8")
    try:
        subprocess.run(command, check=True, timeout=INSTALL_TIMEOUT_S, stdout=sys.stderr)
        missing = [str(path) for path in programs(staging).values() if not path.exists()]
        if missing:
            raise RuntimeError(f"npm install finished without {', '.join(missing)}")
        (staging / READY).write_text(json.dumps({n: v for n, (_, v) in PINS.items()}) + "\n")
        shutil.rmtree(directory, ignore_errors=True)
        staging.rename(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main() -> int:
    for name, path in install().items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
