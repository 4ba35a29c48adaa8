"""The inline approval card: exactly what will happen, the rule that asked, and the keys that answer.

The card resolves an `asyncio.Future[Decision]` that the TUI approver awaits. Keys typed before the card
appeared never answer it: for `GRACE_S` after mounting, and whenever it lacks focus, keys are ignored.
"""

from __future__ import annotations

import asyncio
import time

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from workbench.core.approvals import ApprovalRequest, Decision, Scope, Verdict
from workbench.tui import render, safe
from workbench.tui.keys import KeyMap, keymap_of

GRACE_S = 0.3

_MARK = {Verdict.ALLOW: ("✓", "green"), Verdict.ASK: ("?", "yellow"), Verdict.DENY: ("✗", "red")}


def request_body(req: ApprovalRequest) -> RenderableType:
    """The diff, or the command with each segment's verdict, plus the reason and rule."""
    parts: list[RenderableType] = []
    if req.diff:
        body, more = render.head(req.diff, 60)
        parts.append(render.diff(body))
        if more:
            parts.append(Text(f"… {more} more diff lines", style="dim italic"))
    if req.command is not None:
        shown = req.command_visible if req.command_visible is not None else req.command
        parts.append(Text("$ ", style="bold").append(safe.clean(shown)))
    if req.segments:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(ratio=1)
        for seg in req.segments:
            mark, style = _MARK.get(seg.verdict, ("?", "yellow"))
            table.add_row(
                Text(mark, style=style),
                Text(safe.one_line(seg.visible or seg.text, 80)),
                Text(safe.one_line(f"{seg.verdict.value}: {seg.rule}" if seg.rule else seg.reason, 80), style=style),
            )
        parts.append(table)
    if req.network:
        parts.append(
            Text("network: ", style="bold yellow").append(
                f"this command gets network access if you allow it ({safe.one_line(req.network, 120)})", "yellow"
            )
        )
    if req.url:
        parts.append(Text("url: ", style="dim").append(safe.one_line(req.url, 300)))
    if req.diff is None and req.command is None and not req.url:
        parts.append(render.code(render.pretty_input(req.input), "json"))
    why = Text("rule: ", style="dim").append(safe.one_line(req.reason, 200))
    if req.rule:
        why.append(f"  ({safe.one_line(req.rule, 100)})", style="dim")
    parts.append(why)
    return Group(*parts)


HUNK_TOOLS = ("Edit", "Write", "MultiEdit")


def edit_hunks(req: ApprovalRequest) -> tuple[str, list[str]]:
    """The file header and `@@` blocks of an edit's diff; no blocks when the card has nothing to choose from."""
    if req.tool not in HUNK_TOOLS or not req.diff or req.agent_path:
        return "", []
    from workbench.core.tools.hunks import split_diff

    head, blocks = split_diff(req.diff)
    return (head, blocks) if len(blocks) >= 2 else ("", [])


def hunk_body(req: ApprovalRequest, blocks: list[str], selected: set[int], cursor: int) -> RenderableType:
    """The edit hunk by hunk: a mark for each (kept or dropped), the current one highlighted."""
    head, _ = edit_hunks(req)
    parts: list[RenderableType] = [render.diff(head.rstrip("\n"))] if head.strip() else []
    for index, block in enumerate(blocks):
        number = index + 1
        kept = number in selected
        mark = Text("▶ " if index == cursor else "  ", style="bold")
        mark.append("[✓] " if kept else "[✗] ", style="green" if kept else "red")
        mark.append(f"hunk {number}/{len(blocks)}", style="bold reverse" if index == cursor else "bold")
        mark.append("" if kept else "  (rejected: will not be written)", style="dim italic")
        parts.append(mark)
        body, more = render.head(block.rstrip("\n"), 30)
        shown = render.diff(body)
        if not kept:
            shown.stylize("dim strike")
        parts.append(shown)
        if more:
            parts.append(Text(f"… {more} more lines in this hunk", style="dim italic"))
    why = Text("rule: ", style="dim").append(safe.one_line(req.reason, 200))
    if req.rule:
        why.append(f"  ({safe.one_line(req.rule, 100)})", style="dim")
    parts.append(why)
    return Group(*parts)


def key_hints(req: ApprovalRequest, chosen: tuple[int, int] | None = None, keys: KeyMap | None = None) -> Text:
    """The answers this card takes, each with the key in force (`[keys]` may remap any of them)."""
    k = keys or KeyMap()

    def key(binding_id: str) -> str:
        return k.show(binding_id, DEFAULT_KEYS[binding_id])

    out = Text()
    if chosen is not None:
        kept, total = chosen
        out.append(f"[{key('approval.hunk-next')}/{key('approval.hunk-prev')}]", style="bold").append(" hunk  ")
        out.append(f"[{key('approval.hunk-toggle')}]", style="bold").append(" keep/reject  ")
        apply = f"[{key('approval.once')}/{key('approval.hunk-apply')}]"
        out.append(apply, style="bold").append(f" apply {kept} of {total} hunks  ")
    else:
        out.append(f"[{key('approval.once')}]", style="bold").append(" once  ")
    if req.rememberable and Scope.SESSION.value in req.proposals:
        out.append(f"[{key('approval.session')}]", style="bold").append(" this session  ")
    if req.rememberable and Scope.PROJECT.value in req.proposals:
        pattern = safe.one_line(req.proposals[Scope.PROJECT.value], 60)
        out.append(f"[{key('approval.always')}]", style="bold").append(f" always: {pattern}  ")
    out.append(f"[{key('approval.deny')}]", style="bold").append(" deny…")
    if req.network:
        out.append("   (network access is allowed one call at a time)", style="italic")
    elif not req.rememberable:
        out.append("   (a persona rule guards this: it cannot be remembered)", style="italic")
    return out


def decision_text(decision: Decision) -> Text:
    if decision.allow:
        how = {"once": "once", "session": "for this session", "project": "always for this project"}
        label = f"✓ allowed {how.get(decision.scope.value, decision.scope.value)}"
        if decision.hunks is not None:
            label += f" (only hunk{'s' if len(decision.hunks) != 1 else ''} {', '.join(map(str, decision.hunks))})"
        if decision.pattern:
            label += f": {safe.one_line(decision.pattern, 80)}"
        return Text(label, style="green")
    reason = f": {safe.one_line(decision.reason, 120)}" if decision.reason else ""
    return Text(f"✗ denied{reason}", style="red")


def approval_title(request: ApprovalRequest, answered: bool) -> str:
    what = asker(request) + safe.one_line(request.summary or request.tool, 100)
    return ("Approval · " if answered else "Approval needed · ") + what


def approval_record(request: ApprovalRequest, decision: Decision | None) -> RenderableType:
    """An answered (or abandoned) approval as the history keeps it, live or resumed alike."""
    result = decision_text(decision) if decision else Text("unanswered", style="dim")
    return Group(Text(approval_title(request, True), style="bold"), result)


def asker(request: ApprovalRequest) -> str:
    """The subagent path ("reviewer › ") when a subagent asks, so the card says whose call it is."""
    if not request.agent_path:
        return ""
    return " › ".join(safe.one_line(p, 40) for p in request.agent_path) + " › "


class ApprovalCard(Vertical, can_focus=True):
    """Asks about one call. Holds focus until answered.

    | Key | Action |
    | :- | :- |
    | y | allow once |
    | s | allow for this session |
    | a | allow always for this project (the pattern shown) |
    | n | deny, with a reason |
    | j / k | next / previous hunk of an edit |
    | space | keep or reject the current hunk |
    | enter | apply the kept hunks (same as y) |
    """

    BINDING_GROUP_TITLE = "Approval card"
    BINDINGS = [
        Binding("y", "answer('once')", "Allow once", id="approval.once"),
        Binding("s", "answer('session')", "This session", id="approval.session"),
        Binding("a", "answer('project')", "Always", id="approval.always"),
        Binding("n", "deny", "Deny", id="approval.deny"),
        Binding("escape", "back", "Back to the card", show=False, id="approval.back"),
        Binding("j", "hunk(1)", "Next hunk", show=False, id="approval.hunk-next"),
        Binding("k", "hunk(-1)", "Previous hunk", show=False, id="approval.hunk-prev"),
        Binding("space", "toggle_hunk", "Keep/reject hunk", show=False, id="approval.hunk-toggle"),
        Binding("enter", "apply_hunks", "Apply kept hunks", show=False, id="approval.hunk-apply"),
    ]

    DEFAULT_CSS = """
    ApprovalCard {
        height: auto;
        border: round $warning;
        border-title-color: $warning;
        border-title-style: bold;
        padding: 0 1;
        margin: 0 1;
        &:focus-within { border: round $accent; }
        &.-answered { border: round $foreground 30%; }
        & > .hints { color: $text-muted; }
        & > Input { display: none; }
        &.-denying > Input { display: block; }
    }
    """

    def __init__(
        self,
        request: ApprovalRequest,
        future: asyncio.Future[Decision] | None = None,
        decision: Decision | None = None,
    ) -> None:
        """`decision`: a card that was answered already (a resumed session's)."""
        super().__init__(classes="approval -answered" if decision else "approval")
        self.request = request
        self.future = future
        self.decision: Decision | None = decision
        self.can_focus = decision is None
        self._mounted_at = float("inf")
        _head, self.hunks = edit_hunks(request)
        self.selected: set[int] = set(range(1, len(self.hunks) + 1))
        self.cursor = 0
        self.border_title = Text(approval_title(request, answered=False))

    def _body(self) -> RenderableType:
        if self.hunks:
            return hunk_body(self.request, self.hunks, self.selected, self.cursor)
        return request_body(self.request)

    def _hints(self) -> Text:
        chosen = (len(self.selected), len(self.hunks)) if self.hunks else None
        return key_hints(self.request, chosen, keymap_of(self.app))

    def compose(self) -> ComposeResult:
        yield Static(self._body(), classes="body")
        yield Static(decision_text(self.decision) if self.decision else self._hints(), classes="hints")
        yield Input(placeholder="why not? (Enter to deny, Esc to go back)", id="deny-reason")

    def on_mount(self) -> None:
        self._mounted_at = time.monotonic()
        if self.future is not None:
            self.focus()

    def _ready(self) -> bool:
        """A key counts only once the card has been on screen for a moment and holds focus."""
        if self.decision is not None or self.future is None or self.future.done():
            return False
        if time.monotonic() - self._mounted_at < GRACE_S:
            return False
        return self.has_focus

    def on_key(self, event: events.Key) -> None:
        # Swallow early keys here so they neither answer the card nor leak to the screen's bindings.
        if self.has_focus and not self._ready():
            keys = keymap_of(self.app)
            if any(keys.matches(binding_id, default, event.key) for binding_id, default in DEFAULT_KEYS.items()):
                event.stop()
                event.prevent_default()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("answer", "deny"):
            return self._ready()
        if action in ("hunk", "toggle_hunk", "apply_hunks"):
            return bool(self.hunks) and self._ready()
        if action == "back":
            return self.has_class("-denying")  # otherwise Esc falls through to the screen (cancel the turn)
        return True

    def action_hunk(self, step: int) -> None:
        self.cursor = max(0, min(len(self.hunks) - 1, self.cursor + step))
        self._redraw()

    def action_apply_hunks(self) -> None:
        self.action_answer("once")

    def action_toggle_hunk(self) -> None:
        self.selected ^= {self.cursor + 1}
        self._redraw()

    def _redraw(self) -> None:
        self.query_one(".body", Static).update(self._body())
        self.query_one(".hints", Static).update(self._hints())

    def _chosen(self) -> tuple[int, ...] | None:
        """The kept hunks when some were rejected; None when the whole edit goes ahead."""
        if not self.hunks or len(self.selected) == len(self.hunks):
            return None
        return tuple(sorted(self.selected))

    def action_answer(self, scope: str) -> None:
        req = self.request
        chosen = self._chosen()
        if chosen == ():
            self.resolve(Decision(allow=False, reason="the user rejected every hunk of this edit"))
            return
        if scope == "once":
            self.resolve(Decision(allow=True, scope=Scope.ONCE, hunks=chosen))
            return
        if not req.rememberable or scope not in req.proposals:
            self.app.bell()
            self.notify("This call cannot be remembered in that scope.", severity="warning")
            return
        self.resolve(Decision(allow=True, scope=Scope(scope), pattern=req.proposals[scope], hunks=chosen))

    def action_deny(self) -> None:
        self.add_class("-denying")
        self.query_one(Input).focus()

    @on(Input.Submitted, "#deny-reason")
    def deny_with_reason(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip() or "denied by the user"
        self.remove_class("-denying")
        self.resolve(Decision(allow=False, reason=reason))

    def action_back(self) -> None:
        self.remove_class("-denying")
        self.focus()

    def resolve(self, decision: Decision) -> None:
        self.decision = decision
        if self.future is not None and not self.future.done():
            self.future.set_result(decision)
        self.show_decision(decision)

    def show_decision(self, decision: Decision) -> None:
        self.decision = decision
        self.border_title = Text(approval_title(self.request, answered=True))
        self.add_class("-answered")
        self.remove_class("-denying")
        self.can_focus = False
        hints = self.query(".hints")
        if hints:
            hints.first(Static).update(decision_text(decision))

    def freeze(self) -> RenderableType:
        """The cheap form kept once the card scrolls far up."""
        return approval_record(self.request, self.decision)


# The answering keys by binding id, as declared (labels and the early-key guard look up the keys in force).
DEFAULT_KEYS = {
    b.id: b.key for b in ApprovalCard.BINDINGS if isinstance(b, Binding) and b.id and b.id != "approval.back"
}
