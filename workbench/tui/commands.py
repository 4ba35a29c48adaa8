"""Command palette providers: personas, sessions, files, permission modes and themes.

Names come from files and persona frontmatter, so hits are built from plain `Content`, never markup
(`Matcher.highlight` parses markup, so it is not used).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from workbench.core.approvals import PermissionMode
from workbench.tui import safe

if TYPE_CHECKING:
    from workbench.tui.screens.main import MainScreen


def plain_highlight(matcher: Matcher, text: str) -> Content:
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if offset < len(text) and not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class _ListProvider(Provider):
    """A provider over (label, help, callback) entries from the main screen."""

    prefix = ""
    limit = 200

    def entries(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        return ()

    @property
    def main(self) -> MainScreen:
        return self.screen  # type: ignore[return-value]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        count = 0
        for label, help_text, callback in self.entries():
            text = f"{self.prefix}{safe.one_line(label, 200)}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score, plain_highlight(matcher, text), callback, text=text, help=safe.one_line(help_text, 200)
                )
                count += 1
                if count >= self.limit:
                    return

    async def discover(self) -> Hits:
        for n, (label, help_text, callback) in enumerate(self.entries()):
            if n >= 20:
                return
            text = f"{self.prefix}{safe.one_line(label, 200)}"
            yield DiscoveryHit(Content(text), callback, text=text, help=safe.one_line(help_text, 200))


class PersonaProvider(_ListProvider):
    prefix = "persona: "

    def entries(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        for choice in self.main.persona_load.choices:
            yield choice.name or choice.id, choice.description, partial(self.main.use_persona, choice)


class ModeProvider(_ListProvider):
    prefix = "mode: "

    def entries(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        for mode in PermissionMode:
            yield mode.value, mode.help, partial(self.main.set_mode, mode.value)


class ThemeProvider(_ListProvider):
    prefix = "theme: "

    def entries(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        for name in sorted(self.app.available_themes):
            yield name, "switch the colour theme", partial(setattr, self.app, "theme", name)


class FileProvider(_ListProvider):
    prefix = "@"
    limit = 50

    def entries(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        for path in self.main.repo_files():
            yield path, "mention this file in the prompt", partial(self.main.mention, path)


class SessionProvider(_ListProvider):
    prefix = "session: "

    def entries(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        for sid, label in self.main.saved_sessions():
            yield f"{sid[:8]} {label}", "resume this session", partial(self.main.resume_session, sid)


class ActionProvider(_ListProvider):
    """Screen actions that have no other home: ledger, outline, demo, help, compaction, MCP servers."""

    def entries(self) -> Iterable[tuple[str, str, Callable[[], object]]]:
        m = self.main
        yield "Grants ledger", "list standing grants and revoke them", m.action_ledger
        yield "Turn outline", "jump to a turn or a piece of evidence", m.action_outline
        yield "Run the offline demo", "replay a recorded session through this screen", m.action_demo
        yield "Choose persona", "pick the persona for the next turn", m.action_personas
        told = "its CLAUDE.md and AGENTS.md files, what the size cap cut, the whole system prompt"
        yield "What the persona was told", told, m.action_told
        yield "Toggle mouse capture", "let the terminal select text natively", m.app.action_toggle_mouse  # type: ignore[attr-defined]
        yield "Copy last answer", "copy the last answer to the clipboard (OSC 52)", m.action_copy
        yield "Rewind to a turn", "put files and/or the conversation back to before a turn (ctrl+t)", m.action_rewind  # type: ignore[attr-defined]
        yield "Compact the conversation", "replace the model's history with a summary; every turn stays here", (
            m.compact_conversation
        )
        yield "Show compacted turns", "unfold the turns folded under a compaction marker", m.unfold_compacted
        app_mcp = m.app.action_mcp  # type: ignore[attr-defined]
        yield "MCP servers", "each server's status and tools; restart one, trust or distrust this project", app_mcp


PROVIDERS = {PersonaProvider, SessionProvider, FileProvider, ModeProvider, ThemeProvider, ActionProvider}
