"""Keeping the checkpoint store small: loose objects packed, old sessions' checkpoints dropped.

Run under the store lock. `count-objects` is cheap, so the check runs at every session's first checkpoint;
the packing and pruning only when a threshold is crossed. Dropping a session removes its refs and then
every object no remaining checkpoint reaches; the current session is never dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from workbench.core.checkpoint.gitstore import GitStore
from workbench.core.checkpoint.snapshot import REF_PREFIX

LOOSE_LIMIT = 4000  # loose objects before they are packed


@dataclass
class Pruned:
    sessions: list[str] = field(default_factory=list)
    packed: bool = False
    size_before: int = 0
    size_after: int = 0


def _counts(store: GitStore) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in store.run("count-objects", "-v").decode().splitlines():
        key, _, value = line.partition(":")
        if value.strip().isdigit():
            out[key.strip()] = int(value.strip())
    return out


def _size(counts: dict[str, int]) -> int:
    return (counts.get("size", 0) + counts.get("size-pack", 0)) * 1024


def sessions_by_age(store: GitStore) -> list[tuple[float, str]]:
    """(newest checkpoint time, session id), oldest first."""
    raw = store.run("for-each-ref", "--format=%(committerdate:unix) %(refname)", REF_PREFIX).decode()
    newest: dict[str, float] = {}
    for line in raw.splitlines():
        when, _, ref = line.partition(" ")
        sid = ref[len(REF_PREFIX) :].split("/", 1)[0]
        if when.isdigit():
            newest[sid] = max(newest.get(sid, 0.0), float(when))
    return sorted((when, sid) for sid, when in newest.items())


def maintain(store: GitStore, *, max_bytes: int, keep_days: float, current: str) -> Pruned:
    counts = _counts(store)
    done = Pruned(size_before=_size(counts))
    cutoff = time.time() - keep_days * 86400
    ages = [(when, sid) for when, sid in sessions_by_age(store) if sid != current]
    doomed = [sid for when, sid in ages if when < cutoff]
    size = done.size_before
    if size > max_bytes:  # newest sessions are worth the most: drop from the oldest until the rest should fit
        for _when, sid in ages:
            if sid not in doomed:
                doomed.append(sid)
                break
    if doomed:
        refs = store.run("for-each-ref", "--format=%(refname)", *(f"{REF_PREFIX}{sid}/" for sid in doomed))
        payload = "".join(f"delete {ref}\n" for ref in refs.decode().splitlines())
        if payload:
            store.run("update-ref", "--stdin", input=payload.encode())
        done.sessions = doomed
    if doomed:  # everything still reachable into one pack; what only the dropped sessions reached goes
        store.run("repack", "-a", "-d", "-q", "--no-write-bitmap-index")
        store.run("prune", "--expire=now")
    elif counts.get("count", 0) > LOOSE_LIMIT:  # loose objects into a new pack (cheap: only those)
        store.run("repack", "-d", "-q", "--no-write-bitmap-index")
        store.run("prune-packed")
    else:
        done.size_after = size
        return done
    done.packed = True
    done.size_after = _size(_counts(store))
    return done
