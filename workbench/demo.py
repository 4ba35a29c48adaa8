"""The offline demo: a sample repository that ships with the package, and a recorded session to replay on it.

    workspace = prepare_demo_workspace()          # a fresh git repo under data_dir()/demo-<n>
    transport = demo_transport(delay=0.01)        # the bundled cassette, through the real SDK
    session = demo_session(approver, workspace=workspace, delay=0.01)
    async for event in session.run_turn(DEMO_PROMPT): ...

The cassette was recorded (bench/make_demo_cassette.py) from the bundled `backend-architect` persona working on
the sample: it reads files, greps, updates the plan, proposes an Edit that needs approval, runs the tests, and
ends with the persona's 7-section answer. Tool calls run live on the demo workspace; only the model is replayed,
so the demo needs no key and no network.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from workbench import paths
from workbench.core import hardened
from workbench.core.replay import CassetteTransport

if TYPE_CHECKING:
    from workbench.core.agent.session import AgentSession
    from workbench.core.approvals import Approver
    from workbench.core.personas.model import Persona

DEMO_DIR = Path(__file__).parent / "data" / "demo"
SAMPLE_REPO = DEMO_DIR / "sample-repo"
CASSETTE = DEMO_DIR / "backend-architect.cassette.jsonl"
DEMO_PERSONA = "backend-architect"
DEMO_PROMPT = (
    "A customer was charged twice after their card was declined (see INCIDENTS.md). Find the cause in this "
    "payments service, fix it, run the tests, and give me your architecture review of the payment path."
)
DEMO_DELAY = 0.01  # seconds between streamed events: a readable typing pace

# The change left uncommitted so the explorer shows git state: a new incident, not yet filed.
NEW_INCIDENT = """
## 2026-11-20: declined card charged twice (open)

Order 1003: the issuer declined the card ("do not honor"), yet the gateway log shows three charge attempts for
the order and the customer's bank shows a pending hold from the third one. Support refunded it by hand.
"""

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ledgerline Dev",
    "GIT_AUTHOR_EMAIL": "dev@ledgerline.example",
    "GIT_COMMITTER_NAME": "Ledgerline Dev",
    "GIT_COMMITTER_EMAIL": "dev@ledgerline.example",
    "GIT_AUTHOR_DATE": "2026-11-02T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-11-02T10:00:00+00:00",
}


class DemoError(RuntimeError):
    """The demo cannot be prepared (a missing bundled file, an unwritable folder)."""


def _fresh_folder(base: Path) -> Path:
    """The next `demo-<n>` under `base`. Older copies go, all but the newest (a screen may still show it)."""
    base.mkdir(parents=True, exist_ok=True)
    numbered = sorted((int(p.name[5:]), p) for p in base.glob("demo-*") if p.name[5:].isdigit())
    for _, old in numbered[:-1]:
        if is_demo_workspace(old):  # never a folder someone else put there
            shutil.rmtree(old, ignore_errors=True)
    n = numbered[-1][0] + 1 if numbered else 1
    while (base / f"demo-{n}").exists():
        n += 1
    return base / f"demo-{n}"


def _git(workspace: Path, *args: str) -> bool:
    env = {**hardened.git_env(), **_GIT_ENV, "GIT_CONFIG_NOSYSTEM": "1"}
    settings = ("-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main")
    argv = hardened.git_argv(workspace, *settings, *args, overrides=())
    try:
        done = subprocess.run(argv, cwd=workspace, env=env, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def prepare_demo_workspace(dest: Path | None = None) -> Path:
    """Copy the sample repository into a fresh folder, commit it, and leave one uncommitted change.

    Args:
        dest: the folder to create (must not exist or be empty); default `data_dir()/demo-<n>`.

    Returns:
        The workspace path. Without a `git` binary the files are still there, just not a repository.
    """
    if not SAMPLE_REPO.is_dir():
        raise DemoError(f"the demo sample is missing from this installation ({SAMPLE_REPO})")
    target = dest if dest is not None else _fresh_folder(paths.data_dir())
    if target.exists() and any(target.iterdir()):
        raise DemoError(f"{target} is not empty; the demo needs a fresh folder")
    try:
        shutil.copytree(SAMPLE_REPO, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    except OSError as exc:
        raise DemoError(f"cannot create the demo workspace at {target}: {exc}") from exc
    if _git(target, "init", "-q") and _git(target, "add", "-A"):
        _git(target, "commit", "-q", "-m", "ledgerline 0.3.1: charges, retries and the ledger")
    with (target / "INCIDENTS.md").open("a", encoding="utf-8") as notes:
        notes.write(NEW_INCIDENT)
    return target.resolve()


def is_demo_workspace(path: Path) -> bool:
    """True when `path` holds a copy of the demo sample (so a screen opened on it can reuse it)."""
    sample = [p.relative_to(SAMPLE_REPO) for p in SAMPLE_REPO.rglob("*.py")]
    return bool(sample) and all((path / rel).is_file() for rel in sample) and (path / "INCIDENTS.md").is_file()


def is_unused_demo_workspace(path: Path) -> bool:
    """A demo copy no replay has touched yet: its code is still the sample's (the recording edits it)."""
    if not is_demo_workspace(path):
        return False
    try:
        sample = SAMPLE_REPO.rglob("*.py")
        return all((path / p.relative_to(SAMPLE_REPO)).read_bytes() == p.read_bytes() for p in sample)
    except OSError:
        return False


def demo_transport(delay: float = DEMO_DELAY, chunk: int | None = None) -> CassetteTransport:
    """The bundled cassette as a transport for `make_client` / `AgentSession.create(transport=...)`."""
    if not CASSETTE.is_file():
        raise DemoError(f"the demo recording is missing from this installation ({CASSETTE})")
    return CassetteTransport(CASSETTE, delay=delay, chunk=chunk)


def demo_persona(path: Path | None = None) -> Persona:
    """The bundled persona the cassette was recorded with (or the file at `path`)."""
    from workbench.core.personas.loader import load_persona_file

    target = path or paths.bundled_agents_dir() / f"{DEMO_PERSONA}.md"
    if not target.is_file():
        raise DemoError(f"the bundled persona {DEMO_PERSONA!r} is missing ({target})")
    return load_persona_file(target, scope="bundled")


def demo_session(
    approver: Approver, *, workspace: Path | None = None, delay: float = DEMO_DELAY, mode: str = "default"
) -> AgentSession:
    """A session on the demo workspace with the demo persona, replaying the bundled cassette."""
    from workbench.config import Config
    from workbench.core.assembly import OpenRequest, open_now

    # The recording was made with default settings: a user's config (extra tools, MCP servers) would change
    # the requests and break the replay.
    request = OpenRequest(
        workspace or prepare_demo_workspace(),
        approver,
        persona=demo_persona(),
        mode=mode,
        transport=demo_transport(delay=delay),
        config=Config(),
    )
    return open_now(request).session
