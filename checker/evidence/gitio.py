"""Thin, quiet wrappers around the git command line used by the ledger.

Credentials for HTTPS remotes are passed in as a `token` parameter and travel as an
`http.extraHeader` set through the git subprocess's own environment (GIT_CONFIG_COUNT/KEY/VALUE,
given as `env=`), never in a URL, an argument list, a log line or this process's environment.
"""

from __future__ import annotations

import base64
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from checker.errors import InfrastructureError, UsageError

TOKEN_ENV = "CHANGEPROOF_LEDGER_TOKEN"  # read by the CLI (click envvar=) and checker/config.py only
FILTER_ENV = "CHANGEPROOF_LEDGER_FILTER"
LOCAL_UPLOAD_PACK = "git -c uploadpack.allowFilter=true -c uploadpack.allowAnySHA1InWant=true upload-pack"
# Appends fetch the tip without the shard directories (depth >= 3) and without entries; the few
# objects an append needs are then fetched lazily, so its cost does not grow with the ledger.
# GitHub serves only the blob:none and tree:0 filters, so remote URLs default to blob:none (all
# trees of the tip, about 46 KB per 1000 entries, no entry contents).
LOCAL_FILTER = "tree:3"
REMOTE_FILTER = "blob:none"


def append_filter(ledger: str, override: str | None = None) -> str:
    """The partial-fetch filter an append uses: `override` when given, else what fits the remote."""
    return override or (LOCAL_FILTER if is_local(ledger) is not None else REMOTE_FILTER)


class _Ambient:
    """Marker default: take the token from the CLI's environment builder (checker/config.py).

    Transitional, for callers that still set CHANGEPROOF_LEDGER_TOKEN instead of passing `token=`;
    pass `token=` (a string, or None for no token) to keep the environment out of it entirely.
    """

    def __repr__(self) -> str:
        return "AMBIENT_TOKEN"


AMBIENT_TOKEN = _Ambient()
Token = str | None | _Ambient


def resolve_token(token: Token) -> str | None:
    if isinstance(token, _Ambient):
        from checker.config import ledger_token_from_environment

        return ledger_token_from_environment()
    return token


class GitError(Exception):
    def __init__(self, args: list[str], code: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args[:2])} failed ({code}): {stderr.strip()[-500:]}")
        self.code = code
        self.stderr = stderr


def redact(url: str) -> str:
    """A URL safe to print: any user:password@ part removed."""
    return re.sub(r"(?<=://)[^/@]*@", "", url)


def _env(token: str | None) -> dict[str, str]:
    """The environment of every git subprocess: this process's, minus any git config it carries,
    plus fixed settings and (for HTTPS remotes) the token as an extra header."""
    from checker.config import process_environment

    # the child inherits this process's environment (PATH, HOME, proxies) minus any git config
    # in it; no setting is read from it here
    env = {k: v for k, v in process_environment().items() if not k.startswith("GIT_CONFIG_")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_ASKPASS": "true", "GIT_EDITOR": "true"})
    config: list[tuple[str, str]] = [
        ("protocol.version", "2"),
        ("uploadpack.allowFilter", "true"),
        ("uploadpack.allowAnySHA1InWant", "true"),
        ("core.hooksPath", "/dev/null"),
        ("gc.auto", "0"),
        ("maintenance.auto", "false"),
    ]
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        config.append(("http.extraHeader", f"AUTHORIZATION: basic {basic}"))
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for i, (k, v) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{i}"] = k
        env[f"GIT_CONFIG_VALUE_{i}"] = v
    return env


class Git:
    """A git directory plus the environment every command runs with."""

    def __init__(self, git_dir: Path, token: str | None = None) -> None:
        self.git_dir = git_dir
        self.env = _env(token)

    def run(self, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
        proc = subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args], input=input, capture_output=True, env=self.env, check=False
        )
        if check and proc.returncode != 0:
            raise GitError(list(args), proc.returncode, proc.stderr.decode(errors="replace"))
        return proc.stdout

    def text(self, *args: str) -> str:
        return self.run(*args).decode().strip()

    def rev(self, ref: str) -> str | None:
        proc = subprocess.run(
            ["git", f"--git-dir={self.git_dir}", "rev-parse", "--verify", "-q", f"{ref}^{{commit}}"],
            capture_output=True,
            env=self.env,
            check=False,
        )
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def ls_tree(self, treeish: str) -> dict[str, tuple[str, str]]:
        """name -> (type, oid) of one tree level."""
        out: dict[str, tuple[str, str]] = {}
        raw = self.run("ls-tree", "-z", treeish)
        for item in raw.split(b"\0"):
            if not item:
                continue
            meta, _, name = item.partition(b"\t")
            _mode, kind, oid = meta.decode().split(" ")
            out[name.decode()] = (kind, oid)
        return out

    def ls_tree_recursive(self, treeish: str) -> list[tuple[str, str]]:
        """(path, blob oid) of every file below a tree."""
        out = []
        for item in self.run("ls-tree", "-r", "-z", "--full-tree", treeish).split(b"\0"):
            if not item:
                continue
            meta, _, name = item.partition(b"\t")
            parts = meta.decode().split(" ")
            out.append((name.decode(errors="replace"), parts[2] if parts[1] == "blob" else f"!{parts[1]}"))
        return out

    def cat_blobs(self, oids: list[str]) -> list[bytes]:
        """The contents of many blobs through one `git cat-file --batch` (names fed from a file, so
        the output is read in a few large reads instead of a poll loop)."""
        out = []
        for name, blob in zip(oids, self.cat_optional(oids), strict=True):
            if blob is None:
                raise GitError(["cat-file"], 1, f"object {name} is missing")
            out.append(blob)
        return out

    def cat_optional(self, names: list[str]) -> list[bytes | None]:
        """Like cat_blobs, for any object names (e.g. `<commit>:<path>`); None where one is missing."""
        if not names:
            return []
        with tempfile.TemporaryFile() as listing, tempfile.TemporaryFile() as errors:
            listing.write(("\n".join(names) + "\n").encode())
            listing.seek(0)
            with subprocess.Popen(
                ["git", f"--git-dir={self.git_dir}", "cat-file", "--batch", "--buffer"],
                stdin=listing,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=self.env,
            ) as proc:
                assert proc.stdout is not None
                raw = proc.stdout.read()
            if proc.returncode != 0:
                errors.seek(0)
                raise GitError(["cat-file", "--batch"], proc.returncode, errors.read().decode(errors="replace"))
        out: list[bytes | None] = []
        pos = 0
        for _ in names:
            nl = raw.index(b"\n", pos)
            header = raw[pos:nl].split(b" ")
            if len(header) < 3 or header[-1] == b"missing":
                out.append(None)
                pos = nl + 1
                continue
            size = int(header[2])
            out.append(raw[nl + 1 : nl + 1 + size])
            pos = nl + 1 + size + 1
        return out


def is_local(ledger: str) -> Path | None:
    """The git directory when `ledger` is a local path (or file:// URL) to a repository."""
    path = ledger[len("file://") :] if ledger.startswith("file://") else ledger
    if "://" in path or re.match(r"^[\w.-]+@[\w.-]+:", path):
        return None
    p = Path(path).expanduser()
    if not p.exists():
        raise UsageError(
            f"ledger repository {ledger} does not exist",
            fix="pass a git URL or the path of an existing git repository (git init --bare DIR)",
        )
    for candidate in (p / ".git", p):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate.resolve()
    raise UsageError(f"{ledger} is not a git repository", fix="create it with `git init --bare` first")


def remote_url(ledger: str) -> str:
    if ledger.startswith("file://") or "://" in ledger or re.match(r"^[\w.-]+@[\w.-]+:", ledger):
        return ledger
    return str(Path(ledger).expanduser().resolve())


@contextmanager
def scratch_repo(ledger: str, token: str | None = None) -> Iterator[Git]:
    """An empty bare repository in a temporary directory with `origin` pointing at the ledger."""
    with tempfile.TemporaryDirectory(prefix="changeproof-ledger-") as tmp:
        git = Git(Path(tmp), token)
        subprocess.run(["git", "init", "-q", "--bare", tmp], check=True, capture_output=True, env=git.env)
        git.run("config", "remote.origin.url", remote_url(ledger))
        git.run("config", "core.repositoryformatversion", "1")
        git.run("config", "remote.origin.promisor", "true")
        git.run("config", "remote.origin.partialclonefilter", "blob:none")
        git.run("config", "extensions.partialClone", "origin")
        if is_local(ledger) is not None:
            # a local "server" is this machine's git: let it honour partial-fetch filters and
            # requests by object id (what GitHub and other hosts enable server-side)
            git.run("config", "remote.origin.uploadpack", LOCAL_UPLOAD_PACK)
        yield git


_NETWORK_HINTS = (
    ("could not resolve host", "check the host name in the URL and this machine's DNS"),
    ("could not resolve proxy", "check the proxy settings (https_proxy)"),
    ("connection refused", "check the URL's host and port, and that the server is up"),
    ("failed to connect", "check the network connection, the URL's host and port, and any firewall or proxy"),
    ("timed out", "check the network connection, and any firewall or proxy"),
    ("ssl", "check the server's TLS certificate (or GIT_SSL_CAINFO for a private CA)"),
)


def fetch_failure(stderr: str) -> tuple[str, str]:
    """git's own reason for a failed fetch (redacted, one line) and the fix that fits it."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    reason = redact(lines[-1] if lines else "git fetch failed")[:300].removeprefix("fatal: ")
    lowered = stderr.lower()
    for needle, fix in _NETWORK_HINTS:
        if needle in lowered:
            return reason, fix
    return reason, "check the URL and that the token can read the repository"


def fetch_tip(git: Git, branch: str, *, object_filter: str | None, ledger: str) -> str | None:
    """Fetch only the branch tip into refs/remotes/origin/<branch>; None when the branch is absent."""
    args = ["fetch", "-q", "--no-tags", "--depth=1"]
    if object_filter:
        args.append(f"--filter={object_filter}")
    try:
        git.run(*args, "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
    except GitError as exc:
        if "couldn't find remote ref" in exc.stderr:
            return None
        reason, fix = fetch_failure(exc.stderr)
        raise InfrastructureError(
            f"cannot fetch ledger branch {branch} from {redact(ledger)}: {reason}", fix=fix
        ) from None
    return git.rev(f"refs/remotes/origin/{branch}")
