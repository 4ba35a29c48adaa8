"""The command palette of the main screen: commands first, then personas and sessions, modes and themes, and the
repository's files only when the query looks like a path.

One provider yields every group, each hit's score raised by its group's rank so the palette (which sorts by
score) keeps that order; an empty query lists the same order. Names come from files and persona frontmatter,
so hits are built from plain `Content`, never markup (`Matcher.highlight` parses markup, so it is not used).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import Hit, Hits, Matcher, Provider
from textual.content import Content

from workbench.core.approvals import PermissionMode
from workbench.tui import safe

if TYPE_CHECKING:
    from workbench.tui.screens.main import MainScreen

# Group ranks: added to a hit's match score (0..1), so a group always sorts above the next.
COMMANDS, PEOPLE, SETTINGS, FILES = 3.0, 2.0, 1.0, 0.0
DISCOVER_LIMIT = 12  # entries per group when the query is empty
FILE_LIMIT = 50


@dataclass(frozen=True)
class Entry:
    text: str
    help: str
    run: Callable[[], object]


def plain_highlight(matcher: Matcher, text: str) -> Content:
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if offset < len(text) and not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def looks_like_path(query: str) -> bool:
    """`@x`, `src/`, `retry.py`: the user is after a file."""
    q = query.strip()
    return q.startswith("@") or "/" in q or ("." in q and not q.startswith(".") and " " not in q)


def entry(prefix: str, label: str, help_text: str, run: Callable[[], object]) -> Entry:
    return Entry(f"{prefix}{safe.one_line(label, 200)}", safe.one_line(help_text, 200), run)


class WorkbenchCommands(Provider):
    @property
    def main(self) -> MainScreen:
        return cast("MainScreen", self.screen)  # only MainScreen lists this provider

    def commands(self) -> Iterator[Entry]:
        m = self.main
        c = m.commands
        yield entry("", "Help: keys and commands", "every key with its id, and the slash commands (F1)", c.show_help)
        yield entry("", "Grants ledger", "list standing grants and revoke them", m.action_ledger)
        yield entry("", "Turn outline", "jump to a turn or a piece of evidence", m.action_outline)
        yield entry("", "Choose persona", "pick the persona for the next turn", m.action_personas)
        told = "its CLAUDE.md and AGENTS.md files, what the size cap cut, the whole system prompt"
        yield entry("", "What the persona was told", told, m.action_told)
        yield entry("", "Resume a session", "continue a saved session of this project", partial(c.resume, ""))
        yield entry("", "New session", "start over here, the chat emptied (/clear)", partial(c.new_session, clear=True))
        yield entry("", "Next permission mode", "default → acceptEdits → plan (shift+tab)", m.action_cycle_mode)
        yield entry("", "Cost of this session", "tokens in and out, cache share, dollars (/cost)", c.show_cost)
        yield entry("", "Export this session", "a Markdown report with every call (/export)", partial(c.export, ""))
        yield entry("", "Rewind to a turn", "put files and/or the conversation back to before a turn", c.rewind)
        compact = "replace the model's history with a summary; every turn stays here (/compact)"
        yield entry("", "Compact the conversation", compact, partial(c.compact, ""))
        yield entry("", "Show compacted turns", "unfold the turns folded under a compaction marker", m.unfold_compacted)
        yield entry("", "Copy last answer", "copy the last answer to the clipboard (OSC 52)", m.action_copy)
        mouse = partial(self.app_action, "toggle_mouse")
        yield entry("", "Toggle mouse capture", "let the terminal select text natively", mouse)
        mcp = partial(self.app_action, "mcp")
        yield entry("", "MCP servers", "each server's status and tools; restart one, trust or distrust", mcp)
        yield entry("", "Run the offline demo", "replay a recorded session through this screen", m.action_demo)

    def app_action(self, action: str) -> None:
        self.app.call_later(self.app.run_action, action)

    def people(self) -> Iterator[Entry]:
        m = self.main
        for choice in m.persona_load.choices:
            yield entry("persona: ", choice.name or choice.id, choice.description, partial(m.use_persona, choice))
        for sid, label in m.saved_sessions():
            yield entry("session: ", label, f"resume {sid}", partial(m.resume_session, sid))

    def settings(self) -> Iterator[Entry]:
        m = self.main
        for mode in PermissionMode:
            yield entry("mode: ", mode.value, mode.help, partial(m.set_mode, mode.value))
        for name in sorted(self.app.available_themes):
            yield entry("theme: ", name, "switch the colour theme", partial(setattr, self.app, "theme", name))

    def files(self) -> Iterator[Entry]:
        m = self.main
        for path in m.repo_files():
            yield entry("@", path, "mention this file in the prompt", partial(m.mention, path))

    def groups(self, query: str) -> list[tuple[float, Iterable[Entry], int]]:
        """(rank, entries, most hits) per group; files lead when the query is a path, and only then appear."""
        groups: list[tuple[float, Iterable[Entry], int]] = [
            (COMMANDS, self.commands(), 100),
            (PEOPLE, self.people(), 200),
            (SETTINGS, self.settings(), 200),
        ]
        if looks_like_path(query):
            groups.insert(0, (COMMANDS + 1, self.files(), FILE_LIMIT))
        return groups

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for rank, entries, limit in self.groups(query):
            count = 0
            for item in entries:
                score = matcher.match(item.text)
                if score > 0:
                    content = plain_highlight(matcher, item.text)
                    yield Hit(rank + score, content, item.run, text=item.text, help=item.help)
                    count += 1
                    if count >= limit:
                        break

    async def discover(self) -> Hits:
        for rank, entries, _ in self.groups(""):
            for n, item in enumerate(entries):
                if n >= DISCOVER_LIMIT and rank != COMMANDS:
                    break
                # A scored hit, not a DiscoveryHit (always 0): the groups keep their order above the app's own.
                yield Hit(rank + 1 - n / 100, Content(item.text), item.run, text=item.text, help=item.help)


PROVIDERS = {WorkbenchCommands}
