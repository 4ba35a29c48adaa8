"""The policy engine: one verdict (allow, ask, deny) per tool call, and the approval request when it asks.

Order: deny rules, then ask rules, then grants and allow rules, then the default for the tool's kind, then
the session mode. Persona rules only add restrictions: they are ask/deny rules whose approvals are never
remembered, and a persona's permissionMode only tightens the session mode.

Modes: `default` (reads inside the workspace run; writes, shell and network ask), `acceptEdits` (writes
inside the workspace run too, except control files and hard links), `plan` (read-only tools, read-only shell
commands and TodoWrite run; everything else is denied), `dontAsk` (whatever would ask is denied),
`bypassPermissions` (only from the user's own flag: whatever would ask runs, except what an ask rule or a
persona rule insists on, SaveMemory, writes to control files (core.policy.protected), through hard links or
outside the workspace, git working outside the workspace, destructive git, words only known at run time where a
file is read, commands with hidden characters or that cannot be parsed, and, when a persona guards shell
commands, commands the parser cannot see into; deny rules and secret files stay denied). Persona mandates only
ever add restrictions, so they hold in every mode.

Network for shell commands: when the sandbox keeps commands off the network (`network_gate`), a command that
asks for it (the Bash `network` argument) or obviously needs it (`git fetch`, `npm install`, `curl`, ...) gets
it only through a `Network(...)` allow rule or an approval that says so; that approval asks in every mode
(bypass too) and is never remembered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench.core import secrets
from workbench.core.approvals import ApprovalRequest, Decision, PermissionMode, Scope, SegmentVerdict, Verdict
from workbench.core.personas.model import Persona
from workbench.core.policy.bash_policy import BashFacts, SegmentOutcome, cd_targets, evaluate_segment
from workbench.core.policy.ledger import GrantLedger
from workbench.core.policy.network import wants_network
from workbench.core.policy.protected import control_reason, hard_link_reason
from workbench.core.policy.repofacts import RepoFacts
from workbench.core.policy.rules import EDIT_TOOLS, READ_TOOLS, RuleSet, Target
from workbench.core.policy.shell import analyze
from workbench.core.policy.visible import has_hidden, hidden_characters, make_visible
from workbench.core.tools.base import CallPreview, ToolKind

_SEVERITY = {Verdict.ALLOW: 0, Verdict.ASK: 1, Verdict.DENY: 2}


def request_id(tool: str, args: dict[str, Any], call_id: str) -> str:
    """sha256 over the tool, the canonical JSON of its input and the call id: changed arguments, new id."""
    canonical = json.dumps(args, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{tool}\x00{canonical}\x00{call_id}".encode("utf-8", "surrogatepass")).hexdigest()


def tighten(mode: str, persona_mode: str | None) -> PermissionMode:
    """The stricter of the session mode and a persona's permissionMode (bypass is never taken from a persona)."""
    current = PermissionMode.parse(mode)
    if not PermissionMode.known(persona_mode):
        return current
    wanted = PermissionMode.parse(persona_mode)
    return wanted if wanted is not PermissionMode.BYPASS and wanted.strictness > current.strictness else current


@dataclass
class Evaluation:
    verdict: Verdict
    reason: str
    rule: str | None = None
    matched: list[str] = field(default_factory=list)
    segments: tuple[SegmentVerdict, ...] = ()
    request: ApprovalRequest | None = None
    network: bool = False  # a rule granted this shell command the network


@dataclass
class _Draft:
    verdict: Verdict
    reason: str
    rule: str | None = None
    matched: list[str] = field(default_factory=list)
    proposals: dict[str, str] = field(default_factory=dict)
    rememberable: bool = True
    insistent: bool = False  # keeps asking under bypassPermissions
    plan_ok: bool = False  # allowed in plan mode (read-only class)
    network: str = ""  # the approval would grant the network; why the command wants it
    network_granted: bool = False  # a Network(...) rule granted it


class PolicyEngine:
    def __init__(
        self,
        workspace: Path,
        *,
        mode: PermissionMode | str = PermissionMode.DEFAULT,
        rules: RuleSet,
        persona: Persona | None,
        ledger: GrantLedger,
        bypass_allowed: bool = False,
        home: Path | None = None,
    ) -> None:
        mode = PermissionMode.parse(mode)
        if mode is PermissionMode.BYPASS and (not bypass_allowed or rules.bypass_disabled):
            why = "it is disabled in the settings" if rules.bypass_disabled else "it needs the user's own flag"
            raise ValueError(f"bypassPermissions mode is not available: {why}")
        self.workspace = Path(workspace)
        self.root = os.path.realpath(workspace)
        self.persona = persona
        self.mode = tighten(mode, persona.permission_mode if persona is not None else None)
        self.bypass_allowed = bypass_allowed and not rules.bypass_disabled
        self.ledger = ledger
        ledger.bind_workspace(self.workspace)
        self.settings_rules = rules
        self.rules = RuleSet(messages=list(rules.messages))
        self.rules.rules.extend(rules.rules)
        self.persona_id = persona.id if persona is not None else ""
        for policy in persona.policies if persona is not None else []:
            if policy.kind not in ("ask", "deny"):
                continue
            action = Verdict.ASK if policy.kind == "ask" else Verdict.DENY
            for text in policy.rules:
                self.rules.add(text, action, origin=f"persona:{self.persona_id}", workspace=self.workspace,
                               home=home, label=f"persona:{policy.id}", remember=policy.remember,
                               unless=policy.unless)  # fmt: skip
        self.extra_dirs = [os.path.realpath(p) for p in rules.additional_dirs]
        self.home = home
        self.network_gate = False  # True when the sandbox keeps shell commands off the network
        self._refresh()

    def _refresh(self) -> None:
        # Rules that must hold whatever the mode: then a command the parser cannot see into keeps asking
        guarded = any(
            r.tool == "Bash" and (r.origin.startswith("persona:") or r.action is not Verdict.ALLOW)
            for r in self.rules.rules
        )
        self._facts = BashFacts(self.root, self.rules, self.ledger, guarded=guarded)

    def set_mode(self, mode: PermissionMode | str) -> PermissionMode:
        """Switch the mode for the calls that follow; returns the mode in force. A persona's permissionMode still
        only tightens it, and bypassPermissions stays out of reach unless the session was started in it."""
        wanted = PermissionMode.parse(mode)
        if wanted is PermissionMode.BYPASS and not self.bypass_allowed:
            raise ValueError("bypassPermissions mode is only available to a session started in it (--mode)")
        self.mode = tighten(wanted, self.persona.permission_mode if self.persona is not None else None)
        return self.mode

    def for_child(self, persona: Persona) -> PolicyEngine:
        """The policy for a persona this session delegates to: its own rules on top of this one's (the
        parent persona's restrictions stay), the stricter of the two modes, and the same grants."""
        child = PolicyEngine(
            self.workspace,
            mode=self.mode,
            rules=self.settings_rules,
            persona=persona,
            ledger=self.ledger,
            bypass_allowed=self.mode is PermissionMode.BYPASS,
            home=self.home,
        )
        child.network_gate = self.network_gate
        child.rules.rules.extend(
            r for r in self.rules.rules if r.origin.startswith("persona:") and r not in child.rules.rules
        )
        child._refresh()
        return child

    @property
    def messages(self) -> list[str]:
        return self.rules.messages + self.ledger.messages

    # --- evaluation -------------------------------------------------------------------------------
    def evaluate(
        self, tool: str, kind: ToolKind, args: dict[str, Any], preview: CallPreview, *, call_id: str
    ) -> Evaluation:
        """The verdict for one call; the request to show when it asks. Fails closed: an internal error denies."""
        try:
            return self._evaluate(tool, kind, args, preview, call_id)
        except Exception as exc:  # a policy bug must never let a call through, nor end the turn
            why = f"the policy could not judge this call ({type(exc).__name__}: {exc}); denied to be safe"
            return Evaluation(Verdict.DENY, why, None, ["policy-error"])

    def _evaluate(
        self, tool: str, kind: ToolKind, args: dict[str, Any], preview: CallPreview, call_id: str
    ) -> Evaluation:
        segments: tuple[SegmentVerdict, ...] = ()
        command = preview.command if preview.command is not None else args.get("command")
        if tool == "Bash" or (kind is ToolKind.EXEC and isinstance(command, str)):
            draft, segments = self._bash(str(command or ""), preview.meta.get("cwd", args.get("cwd")))
            draft = self._network(draft, args, segments)
        else:
            draft = self._tool(tool, kind, args, preview)
        draft = self._apply_mode(draft, kind, tool)
        matched = list(dict.fromkeys(draft.matched))
        evaluation = Evaluation(draft.verdict, draft.reason, draft.rule, matched, segments,
                                network=draft.network_granted)  # fmt: skip
        if draft.verdict is Verdict.ASK:
            evaluation.request = self._request(tool, args, preview, call_id, draft, segments, command)
        return evaluation

    def _bash(self, command: str, cwd: Any = None) -> tuple[_Draft, tuple[SegmentVerdict, ...]]:
        analysis = analyze(command)
        start = self.root
        outside_cwd = None
        if isinstance(cwd, str) and cwd.strip():
            start = os.path.realpath(os.path.join(self.root, os.path.expanduser(cwd)))
            if _relative(start, self.root) is None:
                outside_cwd, start = cwd, self.root
        moves, lost = cd_targets(analysis.segments, self.root, start)
        bases = tuple(dict.fromkeys((start, *moves)))
        facts = dataclasses.replace(self._facts, bases=bases, lost=lost, cache={}, repo=RepoFacts(self.root))
        outcomes = [evaluate_segment(s, facts) for s in analysis.segments]
        whole = self.rules.first(Verdict.DENY, Target("Bash", command_forms=frozenset({command.strip()})))
        if whole is not None:
            return _Draft(Verdict.DENY, f"denied by {whole.shown}", whole.shown, [whole.shown], rememberable=False), ()
        worst = max((o.verdict.verdict for o in outcomes), key=_SEVERITY.__getitem__, default=Verdict.ALLOW)
        segments = tuple(o.verdict for o in outcomes)
        matched = [m for o in outcomes for m in o.matched]
        if worst is Verdict.DENY:
            first = next(o for o in outcomes if o.verdict.verdict is Verdict.DENY)
            return _Draft(Verdict.DENY, _segment_reason(first), first.verdict.rule, matched), segments
        problems: list[str] = []
        if outside_cwd is not None:
            problems.append(f"asks: runs in {make_visible(outside_cwd)}, outside the workspace")
        if analysis.error is not None:
            problems.append(f"asks: {analysis.error}")
        if not analysis.segments and analysis.error is None:
            problems.append("asks: an empty command")
        if has_hidden(command):
            problems.append("asks: the command contains hidden characters " + " ".join(hidden_characters(command)[:8]))
        asking = [o for o in outcomes if o.verdict.verdict is Verdict.ASK]
        if not problems and not asking:
            plan_ok = all(o.read_only for o in outcomes)
            reason = "read-only command" if plan_ok else "; ".join(dict.fromkeys(o.verdict.reason for o in outcomes))
            return _Draft(Verdict.ALLOW, reason, _first_rule(outcomes), matched, plan_ok=plan_ok), segments
        rememberable = not problems and all(o.rememberable and o.proposal for o in asking)
        proposals: dict[str, str] = {}
        if rememberable:
            pattern = "\n".join(dict.fromkeys(str(o.proposal) for o in asking))
            proposals = {str(Scope.SESSION): pattern, str(Scope.PROJECT): pattern}
        reasons = problems + [_segment_reason(o) for o in asking]
        rule = next((o.verdict.rule for o in asking if o.verdict.rule), None)
        # hidden characters, a parse error or a folder outside the workspace keep asking under bypassPermissions
        insistent = bool(problems) or any(o.insistent for o in asking)
        return _Draft(Verdict.ASK, "; ".join(dict.fromkeys(reasons)), rule, matched, proposals,
                      rememberable, insistent=insistent), segments  # fmt: skip

    def _network(self, draft: _Draft, args: dict[str, Any], segments: tuple[SegmentVerdict, ...]) -> _Draft:
        """Network for a shell command: a Network allow rule over every segment grants it; a command that wants it
        without one asks (in every mode), unless nothing keeps commands off the network anyway."""
        if draft.verdict is Verdict.DENY:
            return draft
        why = "the command asks for network access" if args.get("network") is True else wants_network(segments)
        targets = [Target("Network", command_forms=frozenset({s.text.strip()})) for s in segments]
        denied = next((r for t in targets if (r := self.rules.first(Verdict.DENY, t)) is not None), None)
        allowed = [self.rules.first(Verdict.ALLOW, t) for t in targets]
        if denied is None and targets and all(a is not None for a in allowed):
            names = list(dict.fromkeys(a.shown for a in allowed if a is not None))
            return dataclasses.replace(draft, matched=[*draft.matched, *names], network_granted=True)
        if not why:
            return draft  # runs without the network
        if not self.network_gate:  # nothing keeps commands off the network: nothing to ask about
            return dataclasses.replace(draft, network_granted=True)
        if denied is not None:
            return _Draft(Verdict.DENY, f"network access denied by {denied.shown}", denied.shown, [denied.shown],
                          rememberable=False)  # fmt: skip
        reason = f"asks: network access ({why})"
        if draft.verdict is Verdict.ASK:
            reason += "; " + draft.reason
        return dataclasses.replace(draft, verdict=Verdict.ASK, reason=reason, network=why, rememberable=False,
                                   proposals={}, insistent=True)  # fmt: skip

    def _tool(self, tool: str, kind: ToolKind, args: dict[str, Any], preview: CallPreview) -> _Draft:
        target = Target(tool, host=_host(preview, args), agent=_agent(args))
        denied = self.rules.first(Verdict.DENY, target)
        if denied is not None:
            return _Draft(Verdict.DENY, f"denied by {denied.shown}", denied.shown, [denied.shown])
        if tool in READ_TOOLS or kind is ToolKind.READ:
            return self._files(tool, preview, write=False)
        if tool in EDIT_TOOLS or kind is ToolKind.WRITE:
            return self._files(tool, preview, write=True)
        asked = self.rules.first(Verdict.ASK, target)
        if kind is ToolKind.MEMORY or tool == "SaveMemory":
            label = asked.shown if asked is not None else None
            return _Draft(Verdict.ASK, "asks every time: saves a memory outside the workspace", label,
                          [label] if label else [], rememberable=False, insistent=True)  # fmt: skip
        if asked is not None:
            return _Draft(Verdict.ASK, f"asks: {asked.shown}", asked.shown, [asked.shown], rememberable=False,
                          insistent=True)  # fmt: skip
        if kind is ToolKind.STATE:
            return _Draft(Verdict.ALLOW, "session state only", plan_ok=True)
        if kind is ToolKind.DELEGATE:
            return _Draft(Verdict.ALLOW, "starts another persona; its own calls are checked", plan_ok=True)
        granted = self.ledger.matches(target)
        if granted is not None:
            label = f"grant:{granted.scope} {granted.pattern}"
            return _Draft(Verdict.ALLOW, f"allowed by {label}", label, [label])
        allowed = self.rules.first(Verdict.ALLOW, target)
        if allowed is not None:
            return _Draft(Verdict.ALLOW, f"allowed by {allowed.shown}", allowed.shown, [allowed.shown])
        pattern = _tool_pattern(tool, target)
        proposals = {str(Scope.SESSION): pattern, str(Scope.PROJECT): pattern} if pattern else {}
        what = {ToolKind.NETWORK: "reaches the network", ToolKind.EXTERNAL: "calls an MCP server's tool"}
        reason = f"asks: {tool} {what.get(kind, 'needs approval')}"
        return _Draft(Verdict.ASK, reason, None, [], proposals, rememberable=bool(pattern))

    def _files(self, tool: str, preview: CallPreview, *, write: bool) -> _Draft:
        family = "Edit" if write else "Read"
        paths = preview.paths or (() if write else (".",))
        matched: list[str] = []
        outside: list[str] = []
        asked_by: str | None = None
        protected: list[str] = []  # control files and hard links, each with why
        linked = False
        hooks = RepoFacts(self.root).hooks_folder() if write else None
        skipped: list[str] = []
        for rel in paths:
            real = os.path.realpath(os.path.join(self.root, rel))
            inside = _relative(real, self.root)
            lexical = _relative(os.path.normpath(os.path.join(self.root, rel)), self.root)
            target = Target(tool, path=real)
            denied = self.rules.first(Verdict.DENY, target)
            if denied is not None:
                return _Draft(Verdict.DENY, f"denied by {denied.shown} ({rel})", denied.shown, [denied.shown])
            names = [r for r in (inside, lexical) if r is not None]
            if not write and any(secrets.is_secret_path(r) for r in names):
                explicit = self.rules.first(Verdict.ALLOW, target)
                if explicit is None or explicit.specifier is None:
                    if len(paths) > 1 and not all(_secret(p, self.root) for p in paths):
                        skipped.append(rel)  # a folder or glob that takes in a secret: the tool leaves it out
                        continue
                    return _Draft(Verdict.DENY, f"denied: {rel} is a secret file (allow it with {family}(./{rel}))",
                                  "secret-file", ["secret-file"])  # fmt: skip
                matched.append(explicit.shown)
            asked = self.rules.first(Verdict.ASK, target)
            if asked is not None and asked_by is None:
                asked_by = asked.shown
                matched.append(asked.shown)
            if inside is None and not any(_relative(real, d) is not None for d in self.extra_dirs):
                outside.append(rel)
            elif write:
                control = next((c for c in (control_reason(r, hooks) for r in names) if c), None)
                if control is not None:
                    protected.append(f"{tool} {rel}: {control}")
                link = hard_link_reason(real)
                if link is not None:
                    linked = True
                    protected.append(f"{tool} {rel}: it {link}; the write gives this name a file of its own")
        if asked_by is not None:
            return _Draft(Verdict.ASK, f"asks: {asked_by}", asked_by, matched, rememberable=False, insistent=True)
        reasons = [f"{tool} {', '.join(outside)}: outside the workspace"] if outside else []
        reasons += protected
        paths = tuple(p for p in paths if p not in skipped)
        targets = [Target(tool, path=os.path.realpath(os.path.join(self.root, p))) for p in paths]
        # a control file is allowed only by a rule or grant naming exactly that file; a hard link never is
        exact = bool(protected)
        granted = [None if linked else self.ledger.matches(t, exact=exact) for t in targets]
        allowed = [None if linked else self.rules.first(Verdict.ALLOW, t, exact=exact) for t in targets]
        if targets and all(g is not None or a is not None for g, a in zip(granted, allowed, strict=True)):
            labels = [f"grant:{g.scope} {g.pattern}" if g is not None else a.shown  # type: ignore[union-attr]
                      for g, a in zip(granted, allowed, strict=True)]  # fmt: skip
            return _Draft(Verdict.ALLOW, f"allowed by {labels[0]}", labels[0], matched + labels,
                          insistent=bool(reasons), plan_ok=not write)  # fmt: skip
        if not write and not reasons:
            note = f" (secret files left out: {', '.join(skipped[:5])})" if skipped else ""
            return _Draft(Verdict.ALLOW, f"reads inside the workspace{note}", None, matched, plan_ok=True)
        pattern = "\n".join(dict.fromkeys(_path_rule(family, p, self.root) for p in paths))
        proposals = {str(Scope.SESSION): pattern, str(Scope.PROJECT): pattern} if pattern else {}
        if not reasons:
            return _Draft(Verdict.ASK, f"asks: {tool} changes files", None, matched, proposals, plan_ok=False)
        return _Draft(Verdict.ASK, "asks: " + "; ".join(reasons), None, matched, proposals,
                      rememberable=not linked, insistent=True)  # fmt: skip

    def _apply_mode(self, draft: _Draft, kind: ToolKind, tool: str) -> _Draft:
        mode = self.mode
        if draft.verdict is Verdict.DENY:
            return draft
        if mode is PermissionMode.PLAN and not draft.plan_ok:
            return dataclasses.replace(draft, verdict=Verdict.DENY,
                                       reason=f"plan mode: {tool} is not read-only ({draft.reason})")  # fmt: skip
        if draft.verdict is not Verdict.ASK:
            return draft
        if mode is PermissionMode.DONT_ASK:
            return dataclasses.replace(draft, verdict=Verdict.DENY, reason=f"dontAsk mode: {draft.reason}")
        writes = tool in EDIT_TOOLS or kind is ToolKind.WRITE
        if mode is PermissionMode.ACCEPT_EDITS and writes and not draft.insistent:
            reason = "acceptEdits mode: edits inside the workspace"
            return dataclasses.replace(draft, verdict=Verdict.ALLOW, reason=reason)
        if mode is PermissionMode.BYPASS and not draft.insistent:
            return dataclasses.replace(draft, verdict=Verdict.ALLOW, reason=f"bypassPermissions mode ({draft.reason})")
        return draft

    def _request(
        self,
        tool: str,
        args: dict[str, Any],
        preview: CallPreview,
        call_id: str,
        draft: _Draft,
        segments: tuple[SegmentVerdict, ...],
        command: Any,
    ) -> ApprovalRequest:
        shell = command if isinstance(command, str) and (tool == "Bash" or segments) else None
        return ApprovalRequest(
            id=request_id(tool, args, call_id),
            call_id=call_id,
            tool=tool,
            input=args,
            summary=make_visible(preview.summary),
            reason=draft.reason,
            rule=draft.rule,
            diff=preview.diff,
            command=shell,
            command_visible=make_visible(shell) if shell is not None else None,
            segments=segments,
            proposals=dict(draft.proposals) if draft.rememberable else {},
            rememberable=draft.rememberable and bool(draft.proposals),
            persona_id=self.persona_id,
            url=preview.url,
            network=draft.network,
        )

    # --- answers ---------------------------------------------------------------------------------
    def apply(self, request: ApprovalRequest, decision: Decision) -> Decision:
        """Record a remembered answer in the ledger; returns the decision as it was recorded.

        Only the exact patterns the request proposed are stored; a decision asking for a wider or a
        different pattern raises ValueError. A request that is not rememberable is answered once.
        """
        if not decision.allow or decision.scope is Scope.ONCE:
            return dataclasses.replace(decision, pattern=None)
        proposed = request.proposals.get(str(decision.scope))
        if not request.rememberable or not proposed:
            return dataclasses.replace(decision, scope=Scope.ONCE, pattern=None)
        offered = proposed.splitlines()
        chosen = offered if decision.pattern is None else decision.pattern.splitlines()
        wider = [p for p in chosen if p not in offered]
        if wider:
            raise ValueError(f"refusing to remember {', '.join(wider)}: only {', '.join(offered)} was proposed")
        for pattern in chosen:
            self.ledger.add(pattern, decision.scope, tool=request.tool, persona_id=request.persona_id,
                            summary=request.summary)  # fmt: skip
        return dataclasses.replace(decision, pattern="\n".join(chosen))


def _segment_reason(outcome: SegmentOutcome) -> str:
    verdict = outcome.verdict
    return f"{verdict.visible}: {verdict.reason}"


def _first_rule(outcomes: list[SegmentOutcome]) -> str | None:
    return next((o.verdict.rule for o in outcomes if o.verdict.rule), None)


def _secret(rel: str, root: str) -> bool:
    real = _relative(os.path.realpath(os.path.join(root, rel)), root)
    return secrets.is_secret_path(rel) or (real is not None and secrets.is_secret_path(real))


def _relative(path: str, root: str) -> str | None:
    if path == root:
        return "."
    prefix = root.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _host(preview: CallPreview, args: dict[str, Any]) -> str | None:
    url = preview.url or args.get("url")
    if not isinstance(url, str):
        return None
    try:
        return (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        return None


def _agent(args: dict[str, Any]) -> str | None:
    value = args.get("subagent_type")
    return value if isinstance(value, str) else None


def _tool_pattern(tool: str, target: Target) -> str | None:
    if tool == "WebFetch":
        return f"WebFetch(domain:{target.host})" if target.host else None
    if tool.startswith("mcp__") or tool in ("WebSearch", "ReadMcpResourceTool"):
        return tool
    return None


def _path_rule(family: str, rel: str, root: str) -> str:
    real = os.path.normpath(os.path.join(root, rel))
    inside = _relative(real, root)
    escaped = "".join("\\" + c if c in "*?[]\\" else c for c in (inside or real))
    if inside is None:
        return f"{family}(/{escaped})"  # `//abs` form: an absolute path
    return f"{family}(./{escaped})"
