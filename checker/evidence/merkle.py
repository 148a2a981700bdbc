"""RFC 6962 (RFC 9162 section 2.1) Merkle tree hashing, a compact frontier, and consistency proofs.

Hand-written because it is small, precisely specified and every verifier must agree on it byte
for byte. The frontier (the roots of the perfect subtrees that make up a tree of size n, largest
first) lets an appender extend the tree and compute the new root without reading old leaves, so an
append costs the same at 100 entries as at 100,000.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes (not raw leaves), computed bottom-up in O(n)."""
    if not leaves:
        return EMPTY_ROOT
    frontier: list[tuple[int, bytes]] = []
    for leaf in leaves:
        frontier = push(frontier, leaf)
    return _fold([h for _, h in frontier])


def push(frontier: list[tuple[int, bytes]], leaf: bytes) -> list[tuple[int, bytes]]:
    """Extend a frontier of (subtree size, hash) pairs by one leaf hash, in place."""
    frontier.append((1, leaf))
    while len(frontier) >= 2 and frontier[-1][0] == frontier[-2][0]:
        size, right = frontier.pop()
        _, left = frontier.pop()
        frontier.append((size * 2, node_hash(left, right)))
    return frontier


def _fold(hashes: Sequence[bytes]) -> bytes:
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def frontier_sizes(size: int) -> list[int]:
    """Sizes of the perfect subtrees of a tree with `size` leaves, largest first."""
    return [1 << b for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1]


def frontier_append(frontier: Sequence[bytes], size: int, leaf: bytes) -> list[bytes]:
    """Frontier of size+1 from the frontier of `size` and one new leaf hash."""
    sizes = frontier_sizes(size)
    if len(sizes) != len(frontier):
        raise ValueError(f"a frontier of size {size} has {len(sizes)} hashes, not {len(frontier)}")
    stack = list(zip(sizes, frontier, strict=True))
    return [h for _, h in push(stack, leaf)]


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    return _fold(frontier)


def frontier_of(leaves: Sequence[bytes]) -> list[bytes]:
    frontier: list[tuple[int, bytes]] = []
    for leaf in leaves:
        frontier = push(frontier, leaf)
    return [h for _, h in frontier]


def scan(leaves: Sequence[bytes], sizes: set[int] | frozenset[int]) -> tuple[dict[int, bytes], list[bytes]]:
    """MTH(first m leaves) for each m in `sizes` (those <= len(leaves)) and the frontier of all
    the leaves, in one pass: after leaf m the frontier merges as many times as m has trailing
    zero bits, and a root is the frontier folded from its smallest subtree. What verify uses to
    check every archived checkpoint (one per size) without a pass per size."""
    sha = hashlib.sha256
    out: dict[int, bytes] = {0: EMPTY_ROOT} if 0 in sizes else {}
    stack: list[bytes] = []
    for m, leaf in enumerate(leaves, start=1):
        h, t = leaf, m
        while not t & 1:
            h = sha(b"\x01" + stack.pop() + h).digest()
            t >>= 1
        stack.append(h)
        if m in sizes:
            acc = h
            for i in range(len(stack) - 2, -1, -1):
                acc = sha(b"\x01" + stack[i] + acc).digest()
            out[m] = acc
    return out, stack


Subtree = Callable[[int, int], bytes]  # MTH of leaves[start:end]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 section 2.1.2, over leaf hashes."""
    n = len(leaves)
    if not 0 < old_size <= n:
        raise ValueError(f"old size {old_size} is not within 1..{n}")
    return _proof(lambda a, b: root(leaves[a:b]), old_size, n)


def consistency_proof_from_frontier(
    old_size: int, old_frontier: Sequence[bytes], new_leaves: Sequence[bytes]
) -> list[bytes]:
    """PROOF(m, D[n]) knowing only the old tree's frontier and the leaf hashes appended after it.

    Every node of a consistency proof lies either wholly after the old tree or is one of the
    old tree's frontier subtrees, so a witness that stored its last frontier needs to read only
    the new entries: the cost of a cosignature grows with the entries added, not the ledger.
    """
    sizes = frontier_sizes(old_size)
    if len(sizes) != len(old_frontier):
        raise ValueError(f"a frontier of size {old_size} has {len(sizes)} hashes, not {len(old_frontier)}")
    known: dict[tuple[int, int], bytes] = {}
    start = 0
    for size, node in zip(sizes, old_frontier, strict=True):
        known[(start, start + size)] = node
        start += size

    def subtree(a: int, b: int) -> bytes:
        if (a, b) in known:
            return known[(a, b)]
        if a >= old_size:
            return root(new_leaves[a - old_size : b - old_size])
        if b - a < 2:
            raise ValueError(f"leaf {a} of the old tree is not covered by its frontier")
        k = _split(b - a)
        return node_hash(subtree(a, a + k), subtree(a + k, b))

    n = old_size + len(new_leaves)
    if not 0 < old_size <= n:
        raise ValueError(f"old size {old_size} is not within 1..{n}")
    return _proof(subtree, old_size, n)


def _proof(subtree: Subtree, m: int, n: int) -> list[bytes]:
    return [] if m == n else _subproof(subtree, 0, m, n, True)


def _subproof(subtree: Subtree, start: int, m: int, n: int, complete: bool) -> list[bytes]:
    # m and n are relative to start
    if m == n:
        return [] if complete else [subtree(start, start + n)]
    k = _split(n)
    if m <= k:
        return [*_subproof(subtree, start, m, k, complete), subtree(start + k, start + n)]
    return [*_subproof(subtree, start + k, m - k, n - k, False), subtree(start, start + k)]


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2 verification of a consistency proof."""
    if old_size == new_size:
        return old_root == new_root and not proof
    if not 0 < old_size < new_size or not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
