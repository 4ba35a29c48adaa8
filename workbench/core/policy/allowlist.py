"""The read-only allowlist: programs that may run without asking, each with every flag it may use.

A segment is read-only only when its program is listed here and each of its options is listed for that
program: an unknown flag (or an abbreviation of a known one) asks, and the reason names it. Options are
listed by kind: `flags` take no value, `values` take a value that is no file name (`-n 5`, `--format=x`),
`optional` take an optional attached value (`--color[=when]`, git's `-M[n]`), `reads` take a file the program
reads (`grep -f FILE`, `diff --from-file=FILE`): that file is checked like any other path. Operands are files
read, names looked at (`stat`), or text that names no file. Options that read a list of file names from a file
(`--files0-from`, `--files-from`) are not listed: the files that list names are never checked.

`git` has its own tables (core.policy.gitrules). Ripgrep's recursive walk is checked separately, since it reads
files nobody named (see core.policy.repofacts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from workbench.core.policy.pathwords import PathUse
from workbench.core.policy.shellwords import Word


@dataclass(frozen=True)
class Spec:
    flags: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()
    operands: str = "read"  # "read" | "stat" | "text" | "pattern" (grep, rg: the first is the pattern)
    numeric: bool = False  # `head -5`, `grep -3`
    dynamic_ok: bool = False  # echo: a word known only at run time changes nothing
    max_operands: int | None = None  # uniq: a second operand is a file it writes
    pattern_options: frozenset[str] = frozenset()  # options that give the pattern instead of the first operand


def spec(flags: str = "", values: str = "", optional: str = "", reads: str = "", **kw: object) -> Spec:
    return Spec(
        frozenset(flags.split()), frozenset(values.split()), frozenset(optional.split()), frozenset(reads.split()),
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


_GREP = spec(
    "-i -y -v -n -c -l -L -o -q -s -w -x -h -H -E -F -G -P -a -I -z -Z -b -T -U --ignore-case --no-ignore-case "
    "--invert-match --line-number --count --files-with-matches --files-without-match --only-matching --quiet "
    "--silent --no-messages --word-regexp --line-regexp --no-filename --with-filename --extended-regexp "
    "--fixed-strings --basic-regexp --perl-regexp --text --null --null-data --byte-offset --initial-tab --binary "
    "--line-buffered --colour --color",
    "-e -m -A -B -C --regexp --max-count --after-context --before-context --context --label --include --exclude "
    "--exclude-dir --binary-files",
    "--color --colour",
    "-f --file",
    operands="pattern",
    numeric=True,
    pattern_options=frozenset({"-e", "--regexp", "-f", "--file"}),
)
# rg: no --pre/--hostname-bin (they run programs), no -z (decompressors), no -u/--hidden/--no-ignore*/-L
# (they read what the ignore files hide or leave the workspace), no --files-from... ; `-g` only excludes.
_RG = spec(
    "-i -s -S -w -x -v -c -l -n -N -H -I -o -q -F -U -P -a -b -0 -p --ignore-case --case-sensitive --smart-case "
    "--word-regexp --line-regexp --invert-match --count --count-matches --files-with-matches "
    "--files-without-match --line-number --no-line-number --with-filename --no-filename --only-matching --quiet "
    "--fixed-strings --multiline --multiline-dotall --pcre2 --no-pcre2 --text --byte-offset --null --null-data "
    "--pretty --heading --no-heading --column --no-column --trim --vimgrep --json --stats --passthru "
    "--no-messages --no-require-git --one-file-system --crlf --no-unicode --block-buffered --line-buffered "
    "--files --type-list --glob-case-insensitive --no-config --sort-files --no-filename --include-zero "
    "--max-columns-preview --no-max-columns-preview",
    "-e -g -t -T -m -A -B -C -M -j -E -d -r --regexp --glob --iglob --type --type-not --type-add --type-clear "
    "--max-count --after-context --before-context --context --max-columns --threads --encoding --max-depth "
    "--max-filesize --replace --sort --sortr --engine --dfa-size-limit --regex-size-limit --path-separator "
    "--context-separator --field-context-separator --field-match-separator --color --colors",
    "",
    "-f --file --ignore-file",
    operands="pattern",
    pattern_options=frozenset({"-e", "--regexp", "-f", "--file", "--files", "--type-list"}),
)
_SUMS = spec("-b -t -z --binary --text --zero --tag --quiet --status --strict -w --warn --ignore-missing")

PROGRAMS: dict[str, Spec] = {
    "ls": spec(
        "-a -A -b -B -c -C -d -f -F -g -G -h -H -i -k -l -m -n -N -o -p -q -Q -r -R -s -S -t -u -U -v -x -X -Z "
        "-1 --all --almost-all --author --escape --ignore-backups --directory --classify --file-type "
        "--full-time --group-directories-first --no-group --human-readable --si --inode --kibibytes --literal "
        "--numeric-uid-gid --hide-control-chars --show-control-chars --quote-name --recursive --reverse --size "
        "--context --zero --dereference-command-line --dereference-command-line-symlink-to-dir",
        "-I -w -T --ignore --hide --width --tabsize --block-size --format --indicator-style --quoting-style "
        "--sort --time --time-style",
        "--color --hyperlink --classify",
        operands="stat",
    ),
    "cat": spec(
        "-A -b -e -E -n -s -t -T -u -v --show-all --number-nonblank --number --squeeze-blank --show-ends "
        "--show-tabs --show-nonprinting"
    ),
    "head": spec("-q -v -z --quiet --silent --verbose --zero-terminated", "-c -n --bytes --lines", numeric=True),
    "tail": spec("-q -v -z --quiet --silent --verbose --zero-terminated", "-c -n --bytes --lines", numeric=True),
    "wc": spec("-c -m -l -L -w --bytes --chars --lines --max-line-length --words", "--total"),
    "sort": spec(
        "-b -d -f -g -i -M -h -n -R -r -V -c -C -m -s -u -z --ignore-leading-blanks --dictionary-order "
        "--ignore-case --general-numeric-sort --ignore-nonprinting --month-sort --human-numeric-sort "
        "--numeric-sort --random-sort --reverse --version-sort --merge --stable --unique --zero-terminated",
        "-k -t -S --key --field-separator --buffer-size --parallel --sort",
        "--check",
        "--random-source",
    ),
    "uniq": spec(
        "-c -d -D -i -u -z --count --repeated --ignore-case --unique --zero-terminated",
        "-f -s -w --skip-fields --skip-chars --check-chars",
        "--all-repeated --group",
        max_operands=1,
    ),
    "cut": spec(
        "-s -n -z --complement --only-delimited --zero-terminated",
        "-b -c -f -d --bytes --characters --fields --delimiter --output-delimiter",
    ),
    "tr": spec("-c -C -d -s -t --complement --delete --squeeze-repeats --truncate-set1", operands="text"),
    "nl": spec(
        "-p --no-renumber",
        "-b -d -f -h -i -l -n -s -v -w --body-numbering --section-delimiter --footer-numbering "
        "--header-numbering --line-increment --join-blank-lines --number-format --number-separator "
        "--starting-line-number --number-width",
    ),
    "tac": spec("-b -r --before --regex", "-s --separator"),
    "rev": spec(),
    "paste": spec("-s -z --serial --zero-terminated", "-d --delimiters"),
    "grep": _GREP,
    "egrep": _GREP,
    "fgrep": _GREP,
    "rg": _RG,
    "diff": spec(
        "-q -s -c -u -e -n -y -i -E -Z -b -w -B -a -t -T -p -d -N --brief --report-identical-files --ed --rcs "
        "--normal --side-by-side --left-column --suppress-common-lines --show-c-function --ignore-case "
        "--ignore-tab-expansion --ignore-trailing-space --ignore-space-change --ignore-all-space "
        "--ignore-blank-lines --text --strip-trailing-cr --expand-tabs --initial-tab --suppress-blank-empty "
        "--minimal --speed-large-files --new-file --unidirectional-new-file",
        "-U -C -W -I -F --label --width --ignore-matching-lines --show-function-line --tabsize --horizon-lines "
        "--old-line-format --new-line-format --unchanged-line-format --line-format --old-group-format "
        "--new-group-format --changed-group-format --unchanged-group-format --palette",
        "--context --unified --color",
        "--from-file --to-file",
    ),
    "stat": spec("-L -f -t --dereference --file-system --terse", "-c --format --printf --cached", operands="stat"),
    "du": spec(
        "-a -b -c -h -k -m -s -x -l -D -H -P -S -0 --all --apparent-size --bytes --total --human-readable --si "
        "--summarize --one-file-system --separate-dirs --count-links --null --no-dereference "
        "--dereference-args",
        "-d -B -t --max-depth --block-size --threshold --exclude --time-style",
        "--time",
        "-X --exclude-from",
        operands="stat",
    ),
    "file": spec(
        "-b -i -k -h -N -p -r -s -0 -E --brief --mime --mime-type --mime-encoding --keep-going --no-dereference "
        "--no-pad --preserve-date --raw --special-files --print0 --extension --apple",
        "-e -P -F --exclude --exclude-quiet --separator --parameter",
        operands="read",  # file reads what it is given; a magic file (-m, not listed) could print it
    ),
    "tree": spec(
        "-a -d -f -x -i -q -N -Q -p -u -g -s -h -D -F -v -t -c -U -r -C -n -A -S -J -X --dirsfirst --du "
        "--noreport --prune --inodes --device --si --gitignore --noreport --filesfirst",
        "-L -P -I --filelimit --charset --timefmt --sort --matchdirs",
        operands="stat",
    ),
    "realpath": spec(
        "-e -m -q -s -z -L -P --canonicalize-existing --canonicalize-missing --quiet --strip --no-symlinks "
        "--zero --logical --physical",
        "--relative-to --relative-base",
        operands="stat",
    ),
    "readlink": spec(
        "-f -e -m -n -q -s -v -z --canonicalize --canonicalize-existing --canonicalize-missing --no-newline "
        "--quiet --silent --verbose --zero",
        operands="stat",
    ),
    "basename": spec("-a -z --multiple --zero", "-s --suffix", operands="text"),
    "dirname": spec("-z --zero", operands="text"),
    "sha256sum": _SUMS,
    "sha1sum": _SUMS,
    "sha512sum": _SUMS,
    "md5sum": _SUMS,
    "b2sum": _SUMS,
    "cksum": _SUMS,
    "pwd": spec("-L -P", operands="text"),
    "which": spec("-a -s", operands="text"),
    "type": spec("-a -f -p -P -t", operands="text"),
    "echo": spec("-n -e -E", operands="text", dynamic_ok=True),
    "printf": spec(operands="text"),
    "true": spec(operands="text", dynamic_ok=True),
    "false": spec(operands="text", dynamic_ok=True),
    ":": spec(operands="text", dynamic_ok=True),
    "exit": spec(operands="text"),
    "seq": spec("-w --equal-width", "-s -f --separator --format", operands="text"),
    "uname": spec(
        "-a -s -n -r -v -m -p -i -o --all --kernel-name --nodename --kernel-release --kernel-version --machine "
        "--processor --hardware-platform --operating-system",
        operands="text",
    ),
    "whoami": spec(operands="text"),
    "id": spec("-g -G -n -r -u -z --group --groups --name --real --user --zero", operands="text"),
}


@dataclass
class Parsed:
    """A segment's words sorted out against its program's spec."""

    problem: str | None = None  # the first word that makes it ask
    uses: list[PathUse] = field(default_factory=list)  # files read or looked at (operands, option values)
    options: list[tuple[str, str | None]] = field(default_factory=list)  # (option, value) in order
    operands: list[Word] = field(default_factory=list)
    after_dashes: int = -1  # index in `operands` where `--` was (-1: none)

    def ask(self, why: str) -> None:
        if self.problem is None:
            self.problem = why

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.options)


def parse(program: str, spec: Spec, args: Sequence[Word]) -> Parsed:
    """Sort `args` into options, their values and operands, as GNU getopt would (options may follow operands,
    `--` ends them); note the first word that is not on the list or only known at run time."""
    out = Parsed()
    pending: tuple[str, str] | None = None  # an option waiting for its value: (name, kind)
    ended = False
    for word in args:
        value = word.value
        if pending is not None:
            name, kind = pending
            pending = None
            out.options.append((name, value))
            if value is None:
                out.ask(f"{word.raw} (the value of {name}) is only known when the command runs")
            elif kind == "read":
                out.uses.append(PathUse(word, "read", name))
            continue
        if value is None:
            if not spec.dynamic_ok:
                out.ask(f"{word.raw} is only known when the command runs")
                out.operands.append(word)  # where a file would be: the policy asks what it names
            continue
        if ended or value == "-" or not value.startswith("-"):
            out.operands.append(word)
            continue
        if word.glob:
            out.ask(f"{word.raw} turns into file names that could be read as options")
            continue
        if value == "--":
            ended = True
            out.after_dashes = len(out.operands)
            continue
        read_option = _long if value.startswith("--") else _short
        pending = read_option(program, spec, word, out)
    _operands(spec, out)
    return out


def _long(program: str, spec: Spec, word: Word, out: Parsed) -> tuple[str, str] | None:
    value = str(word.value)
    name, eq, attached = value.partition("=")
    if name in spec.optional:
        out.options.append((name, attached if eq else None))
        return None
    if name in spec.flags and not eq:
        out.options.append((name, None))
        return None
    return _valued(program, spec, name, attached if eq else None, word, out, "")


def _short(program: str, spec: Spec, word: Word, out: Parsed) -> tuple[str, str] | None:
    value = str(word.value)
    chars = value[1:]
    if spec.numeric and chars.isdigit():
        out.options.append((value, None))
        return None
    for index, char in enumerate(chars):
        name = "-" + char
        if name in spec.flags:
            out.options.append((name, None))
            continue
        rest = chars[index + 1 :]
        if name in spec.optional:
            out.options.append((name, rest or None))
            return None
        return _valued(program, spec, name, rest or None, word, out, f" (in {value})" if len(chars) > 1 else "")
    return None


def _valued(
    program: str, spec: Spec, name: str, attached: str | None, word: Word, out: Parsed, where: str
) -> tuple[str, str] | None:
    """An option that takes a value: the value attached (`--file=X`, `-fX`) or the next word's (returned)."""
    kind = "value" if name in spec.values else "read" if name in spec.reads else None
    if kind is None:
        out.ask(f"{program} {name} is not on the read-only list{where}")
        if attached is not None and name.startswith("--"):  # `--opt=FILE` may name a file it reads
            out.uses.append(PathUse(Word(word.raw, attached), "maybe", name))
        return None
    if attached is None:
        return name, kind
    out.options.append((name, attached))
    if kind == "read":
        out.uses.append(PathUse(Word(word.raw, attached), "read", name))
    return None


def _operands(spec: Spec, out: Parsed) -> None:
    operands = out.operands
    if spec.operands == "pattern" and operands and not any(n in spec.pattern_options for n, _ in out.options):
        operands = operands[1:]  # the first is the pattern
    if spec.max_operands is not None and len(operands) > spec.max_operands:
        out.ask(f"{operands[spec.max_operands].raw}: a second file name is where the output is written")
    mode = {"read": "read", "pattern": "read", "stat": "stat"}.get(spec.operands)
    if mode is not None:
        out.uses.extend(PathUse(w, mode) for w in operands)
