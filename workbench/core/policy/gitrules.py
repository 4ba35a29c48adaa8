"""git in a shell command: where it works, which subcommands only read (with every flag they may use), which
print file contents from history, and which destroy work.

* Where: `-C DIR`, `--git-dir`, `--work-tree`, `GIT_DIR=`/`GIT_WORK_TREE=` (and git's other location
  variables) are the places git reads and writes; outside the workspace they always ask.
* Read-only: `status`, `log`, `show`, `diff`, `blame`, `branch` (listing), `rev-parse`, `ls-files`, `config`
  (reading), with the global options `--no-pager`/`-P`, `--no-optional-locks`, `--literal-pathspecs`,
  `--no-replace-objects` and `-C` only. No `-c`, no `--ext-diff`/`--textconv`/`--output`, no
  `--show-signature` or `%G` formats (they run the signature program), no `-L` ranges, nothing that looks into
  submodules (`--ignore-submodules=none`, `--submodule=diff`: their repositories' drivers would run).
* Contents: `diff`, `show`, `blame` and `log` with a patch print files from the index and history; the policy
  then checks git's history for secret files (core.policy.repofacts).
* Destructive (`destructive`): the commands that lose uncommitted work, commits or stashes. They always ask,
  whatever the mode, and only a rule naming the exact command (no `*`) lets one run unasked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from workbench.core.policy.allowlist import Parsed, Spec, parse, spec
from workbench.core.policy.pathwords import PathUse
from workbench.core.policy.shellwords import Segment, Word

# Environment variables that tell git which repository, work tree or files to use.
LOCATION_VARS = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
     "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CEILING_DIRECTORIES"}
)  # fmt: skip
_GLOBAL_FLAGS = frozenset({"--no-pager", "-P", "--no-optional-locks", "--literal-pathspecs", "--no-replace-objects"})
_GLOBAL_PLACES = frozenset({"-C", "--git-dir", "--work-tree"})
_GLOBAL_VALUES = frozenset({"-c", "--config-env", "--namespace", "--exec-path", "--super-prefix", "--list-cmds"})

_DIFF_FLAGS = (
    "-p -u -s -z -R -a -b -w -W -D -t -m -c --patch --no-patch --raw --patch-with-raw --patch-with-stat "
    "--compact-summary --numstat --shortstat --cumulative --summary --name-only --name-status --no-color "
    "--no-color-moved --no-renames --rename-empty --no-rename-empty --check --full-index --binary "
    "--find-copies-harder --irreversible-delete --pickaxe-all --pickaxe-regex --text --ignore-cr-at-eol "
    "--ignore-space-at-eol --ignore-space-change --ignore-all-space --ignore-blank-lines --function-context "
    "--exit-code --quiet --no-ext-diff --no-textconv --no-prefix --default-prefix --ita-invisible-in-index "
    "--ita-visible-in-index --minimal --patience --histogram --indent-heuristic --no-indent-heuristic --cc "
    "--dd --no-diff-merges --combined-all-paths --no-relative"
)
_DIFF_VALUES = (
    "-U -l -S -G -I --unified --diff-filter --find-object --skip-to --rotate-to --inter-hunk-context "
    "--src-prefix --dst-prefix --line-prefix --diff-algorithm --anchored --color-moved-ws --word-diff-regex "
    "--ignore-matching-lines --output-indicator-new --output-indicator-old --output-indicator-context "
    "--diff-merges --stat-width --stat-name-width --stat-count --stat-graph-width"
)
_DIFF_OPTIONAL = (
    "-B -M -C --stat --dirstat --dirstat-by-file --submodule --color --color-moved --word-diff --color-words "
    "--break-rewrites --find-renames --find-copies --abbrev --relative --ignore-submodules"
)
_LOG_FLAGS = (
    "-i -E -F -g --all-match --invert-grep --regexp-ignore-case --basic-regexp --extended-regexp "
    "--fixed-strings --perl-regexp --remove-empty --merges --no-merges --no-min-parents --no-max-parents "
    "--first-parent --exclude-first-parent-only --not --all --reflog --single-worktree --ignore-missing "
    "--bisect --stdin --cherry-mark --cherry-pick --left-only --right-only --cherry --walk-reflogs --merge "
    "--boundary --simplify-by-decoration --show-pulls --full-history --dense --sparse --simplify-merges "
    "--date-order --author-date-order --topo-order --reverse --do-walk --abbrev-commit --no-abbrev-commit "
    "--oneline --no-expand-tabs --no-notes --relative-date --parents --children --left-right --graph "
    "--no-decorate --source --use-mailmap --mailmap --no-mailmap --full-diff --log-size --follow "
    "--clear-decorations --no-walk --no-standard-notes"
)
_LOG_VALUES = (
    "-n --max-count --skip --since --after --until --before --author --committer --grep --min-parents "
    "--max-parents --glob --exclude --encoding --date --decorate-refs --decorate-refs-exclude --since-as-filter"
)
_LOG_OPTIONAL = (
    "--branches --tags --remotes --ancestry-path --pretty --format --expand-tabs --notes --show-notes "
    "--show-linear-break --decorate"
)
_DIFF = spec(_DIFF_FLAGS + " --cached --staged --merge-base", _DIFF_VALUES, _DIFF_OPTIONAL, "-O", numeric=True)
_LOG = spec(_DIFF_FLAGS + " " + _LOG_FLAGS, _DIFF_VALUES + " " + _LOG_VALUES, _DIFF_OPTIONAL + " " + _LOG_OPTIONAL,
            "-O", numeric=True)  # fmt: skip
SUBCOMMANDS: dict[str, Spec] = {
    "status": spec(
        "-s -b -v -z --short --branch --show-stash --long --verbose --null --ahead-behind --no-ahead-behind "
        "--renames --no-renames --no-column",
        "",
        "--porcelain --column --find-renames -u --untracked-files --ignored --ignore-submodules",
        operands="stat",
    ),
    "log": _LOG,
    "show": _LOG,
    "diff": _DIFF,
    "blame": spec(
        "-b -l -t -s -e -w -p -f -n -c --root --show-stats --porcelain --line-porcelain --incremental "
        "--show-name --show-number --show-email --reverse --first-parent --progress --no-progress "
        "--score-debug --color-lines --color-by-age --minimal --no-textconv",
        "-L --abbrev --date --since --ignore-rev --encoding",
        "-M -C",
        "-S --contents --ignore-revs-file",
    ),
    "rev-parse": spec(
        "--show-toplevel --show-prefix --show-cdup --git-dir --git-common-dir --absolute-git-dir "
        "--is-inside-git-dir --is-inside-work-tree --is-bare-repository --is-shallow-repository "
        "--show-superproject-working-tree --verify -q --quiet --symbolic --symbolic-full-name --all --revs-only "
        "--no-revs --flags --no-flags --sq --not --local-env-vars",
        "--git-path --path-format",
        "--short --abbrev-ref --branches --tags --remotes --show-object-format",
        operands="text",
    ),
    "ls-files": spec(
        "-z -t -v -f -c -d -m -o -i -s -u -k --cached --deleted --modified --others --ignored --stage --unmerged "
        "--killed --directory --no-empty-directory --eol --deduplicate --exclude-standard --error-unmatch "
        "--full-name --debug --sparse --resolve-undo",
        "-x --exclude --exclude-per-directory --with-tree --format",
        "--abbrev",
        "-X --exclude-from",
        operands="stat",
    ),
    "branch": spec(
        "-a -r -l -v -vv -i -q --all --remotes --list --verbose --show-current --ignore-case --omit-empty "
        "--no-column --no-color --quiet",
        "--contains --no-contains --merged --no-merged --points-at --sort --format",
        "--color --column --abbrev",
        operands="text",
    ),
    "config": spec(
        "-l -z --list --get --get-all --get-regexp --get-urlmatch --get-color --get-colorbool --name-only "
        "--show-origin --show-scope --local --global --system --worktree --includes --no-includes --null "
        "--bool --int --bool-or-int --path --expiry-date",
        "--type --default",
        "",
        "-f --file",
        operands="text",
    ),
}
# Output forms that print no file contents.
_NAMES_ONLY = frozenset(
    {"-s", "--no-patch", "--stat", "--numstat", "--shortstat", "--name-only", "--name-status", "--raw", "--summary",
     "--compact-summary", "--dirstat", "--dirstat-by-file", "--quiet", "--exit-code"}
)  # fmt: skip
_PATCH = frozenset(
    {"-p", "-u", "--patch", "-U", "--unified", "--patch-with-raw", "--patch-with-stat", "--word-diff",
     "--color-words", "-W", "--function-context", "--cc", "-c", "--dd", "-m", "--check"}
)  # fmt: skip
# Options after which a pathspec no longer limits what is printed.
_UNLIMITED = frozenset({"--full-diff", "--follow", "--pickaxe-all"})
_CONFIG_READS = frozenset({"-l", "--list", "--get", "--get-all", "--get-regexp", "--get-urlmatch", "--get-color",
                           "--get-colorbool"})  # fmt: skip


@dataclass
class GitCall:
    """What one git segment does, as far as its words tell."""

    subcommand: str | None  # None: no subcommand, or one only known at run time
    rest: tuple[Word, ...]  # the words after the subcommand
    places: list[tuple[Word, str]] = field(default_factory=list)  # where git works: (word, "-C"/"--git-dir"/...)
    global_problem: str | None = None  # a global option off the list (`-c`, `--exec-path`, ...)
    parsed: Parsed | None = None  # the subcommand's words against its spec (read-only subcommands only)
    unknown: bool = False  # a word known only at run time hides the subcommand

    def flag(self, why: str) -> None:
        if self.global_problem is None:
            self.global_problem = why

    @property
    def problem(self) -> str | None:
        if self.global_problem is not None:
            return self.global_problem
        if self.subcommand is None:
            return "git without a subcommand known before it runs"
        if self.parsed is None:
            return f"git {self.subcommand} is not a read-only git command"
        return self.parsed.problem or _special(self.subcommand, self.parsed)

    @property
    def uses(self) -> list[PathUse]:
        return self.parsed.uses if self.parsed is not None else []


def location_assignments(segment: Segment) -> list[tuple[Word, str]]:
    """`GIT_DIR=…`, `GIT_WORK_TREE=…` and git's other location variables set for this segment."""
    return [(value, f"{name}=") for name, value in segment.assignments if name in LOCATION_VARS]


def analyse(segment: Segment) -> GitCall:
    args = segment.args
    call = GitCall(None, ())
    call.places.extend(location_assignments(segment))
    index = 0
    while index < len(args):
        word = args[index]
        value = word.value
        if value is None:
            call.unknown = True
            call.flag(f"{word.raw} is only known when the command runs")
            return call
        if not value.startswith("-"):
            break
        name, eq, attached = value.partition("=")
        follower = args[index + 1] if index + 1 < len(args) else None
        if name in _GLOBAL_FLAGS and not eq:
            index += 1
        elif name in _GLOBAL_PLACES:
            target = Word(word.raw, attached) if eq else follower
            if target is not None:
                call.places.append((target, name))
            index += 1 if eq else 2
        elif name == "-c" or name in _GLOBAL_VALUES:
            call.flag(f"git {name} changes what git runs or where it looks")
            index += 1 if eq or name in ("--exec-path", "--list-cmds") else 2
        elif name.startswith("-c"):  # -ckey=value
            call.flag("git -c changes what git runs")
            index += 1
        else:
            call.flag(f"git {name} is not on the read-only list")
            index += 1
    if index >= len(args):
        return call
    if args[index].value is None:
        call.unknown = True
        return call
    call.subcommand = str(args[index].value)
    call.rest = args[index + 1 :]
    sub_spec = SUBCOMMANDS.get(call.subcommand)
    if sub_spec is not None:
        call.parsed = parse(f"git {call.subcommand}", sub_spec, call.rest)
        if call.subcommand in ("status", "ls-files", "log", "show", "diff", "blame"):
            call.parsed.uses.extend(_revision_paths(call.parsed))
    return call


def written_config(call: GitCall) -> Word | None:
    """The config file a `git config` write changes (`.git/config` unless --global/--system/--file), or the
    hooks a `git init --template` copies in; None when the command writes no config."""
    parsed = call.parsed
    if call.subcommand == "init":
        if any((w.value or "").startswith("--template") for w in call.rest):
            return Word(".git/hooks", ".git/hooks")
        return None
    if call.subcommand != "config" or parsed is None or any(n in _CONFIG_READS for n, _ in parsed.options):
        return None
    for name, value in parsed.options:
        if name in ("-f", "--file") and value is not None:
            return Word(value, value)
        if name == "--global":
            return Word("~/.gitconfig", "~/.gitconfig", tilde=True)
        if name == "--system":
            return Word("/etc/gitconfig", "/etc/gitconfig")
    return Word(".git/config", ".git/config")


def _revision_paths(parsed: Parsed) -> list[PathUse]:
    return revision_paths(parsed.operands)


def revision_paths(words: Sequence[Word]) -> list[PathUse]:
    """`HEAD:path`, `:path` and `:2:path` read a file from history or the index: the path part is checked like
    any other."""
    out = []
    for word in words:
        value = word.value or ""
        if ":" in value and not value.startswith(("-", ":(")):
            target = value.split(":", 1)[1]
            if len(target) > 2 and target[0] in "0123" and target[1] == ":":
                target = target[2:]  # :N:path names a stage of the index
            if target:
                out.append(PathUse(Word(word.raw, target), "read"))
    return out


def _special(sub: str, parsed: Parsed) -> str | None:
    """What the flag tables alone cannot say: a branch name creates a branch, a config write, signatures."""
    if sub == "branch" and parsed.operands and not parsed.has("-l", "--list"):
        return f"git branch {parsed.operands[0].raw} creates a branch"
    if sub == "config" and not any(name in _CONFIG_READS for name, _ in parsed.options):
        return "git config without --get or --list changes the repository's config"
    for name, value in parsed.options:
        if name in ("--format", "--pretty") and value and "%G" in value:
            return f"git {sub} {name} with %G runs the signature program"
        if name == "--ignore-submodules" and value not in (None, "all", "dirty"):
            return f"git {sub} --ignore-submodules={value} looks into submodules, which runs their own filters"
        if name == "--submodule" and value not in (None, "short", "log"):
            return f"git {sub} --submodule={value} diffs inside submodules, with their own drivers"
    return None


def prints_contents(call: GitCall) -> bool:
    """True when the command prints file contents (from the index or history), not only names and messages."""
    parsed = call.parsed
    sub = call.subcommand
    if parsed is None or sub not in ("log", "show", "diff", "blame"):
        return False
    names = {name for name, _ in parsed.options}
    if sub == "blame":
        return True
    if sub == "log":
        return bool(names & _PATCH)
    if sub == "show" and any(":" in (w.value or "") for w in parsed.operands):
        return True
    return not (names & _NAMES_ONLY) or bool(names & _PATCH)


def reads_history(call: GitCall, exists: Callable[[str], bool]) -> bool:
    """False for a diff of the index and the work tree (against HEAD at most): it can only show what the index
    and HEAD hold. Everything else that prints contents may print any commit's files."""
    parsed = call.parsed
    if call.subcommand != "diff" or parsed is None:
        return True
    before = parsed.operands if parsed.after_dashes < 0 else parsed.operands[: parsed.after_dashes]
    revisions = [w.value or "" for w in before if not exists(w.value or "")]
    return any(r not in ("HEAD", "@") for r in revisions) or parsed.has("--merge-base")


def pathspecs(call: GitCall, exists: Callable[[str], bool]) -> list[str] | None:
    """The literal pathspecs that limit what a content-printing command shows; None when nothing limits it
    (no pathspec, a commit shown whole, a wildcard or magic pathspec, `--follow`/`--full-diff`). `exists(text)`
    says whether an operand before `--` names a path (git then takes it as one)."""
    parsed = call.parsed
    if parsed is None or parsed.has(*_UNLIMITED):
        return None
    operands = parsed.operands
    dashes = parsed.after_dashes
    before = operands if dashes < 0 else operands[:dashes]
    if call.subcommand == "blame":
        texts = [w.value or "" for w in operands[-1:]]
    else:
        texts = [w.value or "" for w in (operands[dashes:] if dashes >= 0 else [])]
        texts += [w.value or "" for w in before if ":" not in (w.value or "") and exists(w.value or "")]
    if call.subcommand == "show":
        blobs = [(w.value or "").split(":", 1)[1] for w in before if ":" in (w.value or "")]
        commits = [w for w in before if ":" not in (w.value or "") and not exists(w.value or "")]
        if (commits or not before) and not texts:
            return None  # a commit shown whole
        texts += blobs
    if not texts or any(not t or t.startswith(":") or any(c in t for c in "*?[") for t in texts):
        return None
    return texts


def destructive(call: GitCall, exists: Callable[[str], bool]) -> str | None:
    """Why this git command can lose work that exists nowhere else, or None. `exists(text)` says whether a word
    names a file (`git checkout app.py` overwrites it, `git checkout main` does not)."""
    sub = call.subcommand
    if sub is None:
        return "git with a subcommand known only when it runs" if call.unknown else None
    values = [w.value for w in call.rest]
    if any(v is None for v in values) and sub in _CAREFUL:
        return f"git {sub} with a word known only when it runs"
    words = [str(v) for v in values]
    flags = _flags(words)
    operands = [w for w in words if not w.startswith("-")]
    if sub == "checkout" and any(exists(o) for o in operands):
        return "git checkout with file names overwrites their uncommitted changes"
    return _DESTROYS.get(sub) or _loses(sub, flags, operands)


def _flags(words: list[str]) -> set[str]:
    """Every option in `words`, short bundles split (`-fdx` -> -f -d -x), `--x=y` as `--x`; `--` itself too."""
    out: set[str] = set()
    for word in words:
        if word == "--":
            out.add(word)
            break
        if word.startswith("--"):
            out.add(word.split("=", 1)[0])
        elif word.startswith("-") and len(word) > 1:
            out.update("-" + c for c in word[1:])
    return out


_DESTROYS = {
    "rebase": "git rebase rewrites commits and can drop uncommitted work",
    "filter-branch": "git filter-branch rewrites history",
    "filter-repo": "git filter-repo rewrites history",
    "update-ref": "git update-ref moves or deletes a ref directly",
    "prune": "git prune deletes unreachable objects for good",
    "read-tree": "git read-tree can overwrite the index and the work tree",
    "replace": "git replace changes what commits mean",
}
_CAREFUL = frozenset(
    {"reset", "checkout", "switch", "restore", "clean", "stash", "branch", "tag", "push", "reflog", "gc", "rm",
     "worktree", "merge", "cherry-pick", "revert", "am", "checkout-index", "submodule", "symbolic-ref"}
)  # fmt: skip


def _loses(sub: str, flags: set[str], operands: list[str]) -> str | None:
    first = operands[0] if operands else ""
    if sub == "reset" and flags & {"--hard", "--merge"}:
        return "git reset --hard discards uncommitted changes"
    if sub == "checkout" and ("--" in flags or "." in operands or flags & _CHECKOUT_FORCE):
        return "git checkout overwrites uncommitted changes in the work tree"
    if sub == "switch" and flags & {"-f", "--force", "--discard-changes", "-C", "--force-create"}:
        return "git switch that discards uncommitted changes"
    if sub == "restore" and not (flags & {"-S", "--staged"} and not flags & {"-W", "--worktree"}):
        return "git restore overwrites uncommitted changes in the work tree"
    if sub == "clean" and not flags & {"-n", "--dry-run"}:
        return "git clean deletes untracked files"
    if sub == "stash" and first in ("drop", "clear"):
        return f"git stash {first} deletes stashed work"
    if sub == "branch" and (flags & {"-D", "-M", "-C", "-f", "--force"} or {"--delete", "--force"} <= flags):
        return "git branch that deletes or overwrites a branch"
    if sub == "tag" and flags & {"-d", "--delete", "-f", "--force"}:
        return "git tag that deletes or moves a tag"
    if sub == "push" and (flags & _PUSH_FORCE or any(o.startswith(("+", ":")) for o in operands[1:])):
        return "git push that overwrites or deletes what the remote has"
    if sub == "reflog" and first in ("expire", "delete"):
        return f"git reflog {first} drops the history of refs"
    if sub == "gc" and "--prune" in flags:
        return "git gc --prune deletes unreachable objects"
    if sub in ("rm", "checkout-index") and flags & {"-f", "--force"}:
        return f"git {sub} --force overwrites or deletes files with uncommitted changes"
    if sub == "worktree" and first == "remove" and flags & {"-f", "--force"}:
        return "git worktree remove --force deletes a work tree with its changes"
    if sub in ("merge", "cherry-pick", "revert", "am") and "--abort" in flags:
        return f"git {sub} --abort resets the work tree"
    if sub == "submodule" and first == "deinit":
        return "git submodule deinit removes a submodule's work tree"
    if sub == "symbolic-ref" and flags & {"-d", "--delete"}:
        return "git symbolic-ref --delete deletes a ref"
    return None


_CHECKOUT_FORCE = frozenset({"-f", "--force", "-p", "--patch", "--ours", "--theirs", "-B", "--overwrite-ignore", "-m",
                             "--merge"})  # fmt: skip
_PUSH_FORCE = frozenset(
    {"-f", "--force", "--force-with-lease", "--force-if-includes", "--mirror", "--delete", "-d", "--prune"}
)
