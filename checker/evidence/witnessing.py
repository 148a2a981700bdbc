"""Verify's witness checks: cosigned checkpoints from the ledger branch and from witnesses' own
state repositories, against the tree verify just recomputed.

A cosignature from a trusted witness on a checkpoint of size m says "by this time, the largest
consistent tree I saw for this origin had this root". So: the root must equal this ledger's root
of its first m entries (else the witness was shown another fork: a split view), m may not exceed
this ledger (else entries were dropped after a witness saw them), and a line that claims to be a
trusted witness's but does not verify is a forgery. The requirement `--witnesses N` holds when N
distinct trusted witnesses each cosigned a consistent checkpoint covering the last entry that
must be witnessed; each entry's earliest witnessed time is the time by which N witnesses had
cosigned checkpoints covering it, which is trusted time (the entry existed by then).
"""

from __future__ import annotations

import subprocess
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from checker.errors import UsageError
from checker.evidence import checkpoint as notes
from checker.evidence.cosignature import WitnessKey, cosignatures, load_vkey
from checker.evidence.gitio import Git, GitError, Token, is_local, resolve_token, scratch_repo

if TYPE_CHECKING:
    from checker.evidence.access import Ledger
    from checker.evidence.verify import VerifyOptions, VerifyReport

STATE_FILE = "state.json"


@dataclass(frozen=True)
class CosignedNote:
    where: str  # the file it came from, for messages
    text: str
    from_ledger: bool
    size: int | None = None  # the size its ledger path names, if any


def iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _state_files(location: str, token: str | None) -> list[tuple[str, bytes]]:
    """(path, bytes) of every file of a witness state: a plain directory, or a git repository
    (local or remote) read at its default branch."""
    p = Path(location).expanduser()
    if "://" not in location and not p.exists():
        raise UsageError(f"witness state {location} does not exist", fix="pass the witness's state directory")
    if p.is_dir() and not ((p / "HEAD").is_file() and (p / "objects").is_dir()):
        return [
            (str(f.relative_to(p)), f.read_bytes())
            for f in sorted(p.rglob("*"))
            if f.is_file() and ".git" not in f.relative_to(p).parts
        ]
    local = is_local(location)
    if local is not None:
        return _git_files(Git(local), "HEAD")
    with scratch_repo(location, token) as git:
        git.run("config", "--unset", "extensions.partialClone")
        git.run("config", "--unset", "remote.origin.promisor")
        try:
            git.run("fetch", "-q", "--no-tags", "--depth=1", "origin", "+HEAD:refs/remotes/origin/HEAD")
        except GitError:
            raise UsageError(
                f"cannot read witness state {location}", fix="pass a directory or a git repository you can read"
            ) from None
        return _git_files(git, "refs/remotes/origin/HEAD")


def _git_files(git: Git, ref: str) -> list[tuple[str, bytes]]:
    if git.rev(ref) is None:
        return []
    listed = [(p, o) for p, o in git.ls_tree_recursive(ref) if not o.startswith("!")]
    return list(zip([p for p, _ in listed], git.cat_blobs([o for _, o in listed]), strict=True))


def state_notes(location: str, origin: str, token: str | None) -> list[CosignedNote]:
    """The cosigned checkpoints a witness keeps for `origin`: files `<origin>/<size>`."""
    try:
        files = _state_files(location, token)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"cannot read witness state {location}: {exc}") from None
    out = []
    prefix = origin + "/"
    for path, data in files:
        name = path[len(prefix) :] if path.startswith(prefix) else ""
        if name.isascii() and name.isdigit():
            out.append(CosignedNote(f"{location}:{path}", data.decode(errors="replace"), False))
    return out


@dataclass
class WitnessPlan:
    keys: list[WitnessKey]
    required: int
    states: tuple[str, ...]
    through: int | None
    token: str | None
    skew: int
    enforce: bool = True
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def check(
        self,
        opened: Ledger,
        report: VerifyReport,
        leaves: list[bytes],
        n: int,
        origin: str,
        prefix_roots: Callable[[list[bytes], set[int]], dict[int, bytes]],
    ) -> None:
        index = opened.index()
        found = [
            CosignedNote(path, (data or b"").decode(errors="replace"), True, size)
            for (size, path, _), data in zip(
                index.cosignatures, opened.read_many([p for _, p, _ in index.cosignatures]), strict=True
            )
        ]
        if origin and self.keys:
            for location in self.states:
                found.extend(state_notes(location, origin, self.token))
        if not found and not self.keys:
            return
        parsed: list[tuple[CosignedNote, notes.Checkpoint]] = []
        for note in found:
            try:
                cp = notes.parse(note.text)
            except notes.NoteError as exc:
                (report.problems if note.from_ledger else report.warnings).append(
                    f"{note.where}: not a cosigned checkpoint note ({exc})"
                )
                continue
            if note.from_ledger and (cp.size != note.size or cp.origin != origin):
                report.problems.append(f"{note.where}: holds a checkpoint of {cp.origin!r} size {cp.size}")
                continue
            if cp.origin == origin:
                parsed.append((note, cp))
        complete = len(leaves) == n
        roots = prefix_roots(leaves, {cp.size for _, cp in parsed if cp.size <= n}) if complete else {}
        seen: dict[str, list[tuple[int, int]]] = {}  # witness name -> [(size, timestamp)]
        for note, cp in parsed:
            good, bad = cosignatures(cp, self.keys)
            report.problems.extend(f"{note.where}: {b}" for b in bad)
            if cp.size > n:
                if good or note.from_ledger:
                    names = ", ".join(g.witness.name for g in good) or "a witness"
                    report.problems.append(
                        f"{note.where}: {names} cosigned size {cp.size}, but this ledger holds {n} entries "
                        "(rolled back after it was witnessed, or witnesses were shown another fork)"
                    )
                continue
            if complete and roots.get(cp.size) != cp.root:
                names = ", ".join(g.witness.name for g in good) or "a copy on the ledger branch"
                report.problems.append(
                    f"{note.where}: split view: {names} cosigned size {cp.size} with root {cp.root_hex[:16]}, "
                    f"but this ledger's first {cp.size} entries have root {roots.get(cp.size, b'').hex()[:16]}"
                )
                continue
            if not complete:
                continue
            latest_ok = self.now().timestamp() + self.skew
            for g in good:
                if g.timestamp > latest_ok:
                    report.problems.append(f"{note.where}: witness {g.witness.name}: cosignature time is in the future")
                    continue
                seen.setdefault(g.witness.name, []).append((cp.size, g.timestamp))
        if self.keys:  # without trusted witness keys there is nothing to count, only to check
            self._summarise(report, seen, n)

    def _summarise(self, report: VerifyReport, seen: dict[str, list[tuple[int, int]]], n: int) -> None:
        from checker.evidence.witnessed import WitnessedSpan

        report.witnesses_required = self.required
        report.witnessed_size = {name: max(s for s, _ in items) for name, items in sorted(seen.items())}
        need = max(self.required, 1)
        # per witness: its cosigned sizes ascending, and the earliest time among sizes >= each one
        curves = []
        for items in seen.values():
            items.sort()
            suffix = [t for _, t in items]
            for i in range(len(suffix) - 2, -1, -1):
                suffix[i] = min(suffix[i], suffix[i + 1])
            curves.append(([s for s, _ in items], suffix))
        # entries [lo, hi) are covered by exactly the cosignatures of size >= hi
        spans: list[WitnessedSpan] = []
        lo = 0
        for hi in sorted({s for items in seen.values() for s, _ in items if s > 0}):
            earliest = sorted(suffix[at] for sizes_, suffix in curves if (at := bisect_left(sizes_, hi)) < len(sizes_))
            if len(earliest) < need:
                break  # fewer witnesses still cover larger sizes
            time = iso(earliest[need - 1])
            if spans and spans[-1].time == time:
                spans[-1] = WitnessedSpan(spans[-1].first, hi - 1, time)
            else:
                spans.append(WitnessedSpan(lo, hi - 1, time))
            lo = hi
        report.witnessed = spans
        witnessed_upto = spans[-1].last + 1 if spans else 0
        if witnessed_upto < n:
            report.not_yet_witnessed = f"entries {witnessed_upto}..{n - 1}"
            report.warnings.append(
                f"entries {witnessed_upto}..{n - 1}: not yet witnessed "
                f"(no checkpoint covering them carries {need} trusted cosignature(s))"
            )
        if not self.keys or self.required == 0 or not self.enforce:
            return
        target = n if self.through is None else min(self.through + 1, n)
        if target > witnessed_upto:
            have = sum(1 for items in seen.values() if max(s for s, _ in items) >= target)
            report.problems.append(
                f"witnesses: {have} of the {self.required} required trusted cosignatures cover entry {target - 1} "
                f"(largest cosigned sizes: {report.witnessed_size or 'none'}); run the witnesses, or verify "
                "a period that ends earlier"
            )


def plan(options: VerifyOptions, token: Token) -> WitnessPlan:
    """The witness checks an auditor asked for, with usage errors raised before any long work."""
    keys = [load_vkey(k) for k in options.witness_keys]
    names = [k.name for k in keys]
    if len(set(names)) != len(names):
        raise UsageError("two --witness-key files name the same witness", fix="pass each witness's key once")
    required = options.witnesses if options.witnesses is not None else (1 if keys else 0)
    if required < 0:
        raise UsageError("--witnesses must be 0 or more")
    if required > len(keys):
        raise UsageError(
            f"--witnesses {required} needs at least {required} --witness-key files, {len(keys)} given",
            fix="pass one --witness-key VKEY per witness you trust",
        )
    if options.witness_state and not keys:
        raise UsageError("--witness-state needs --witness-key", fix="pass the vkey of each witness you trust")
    return WitnessPlan(
        keys,
        required,
        options.witness_state,
        options.through,
        resolve_token(token),
        options.clock_skew,
        options.enforce_witnesses,
    )
