"""Glob and CODEOWNERS matching: linear in the path on RE2, against the same regexes on Python's `re`.

Figures, each with its baseline in the same run:
- hostile: `*a*a*a...*b` (k stars) against a path of n 'a's with no 'b'; Python's backtracking `re`
  takes time growing like n^k, RE2 time linear in n. Printed per n, as the ratio re / RE2.
- ordinary: 500 typical repository paths against the soc2 profile's test globs, matches per second
  on RE2 and on `re` (what RE2's per-call overhead costs on the common case).
Run: .venv/bin/python bench/patterns_linear.py
"""

from __future__ import annotations

import re
import time

from checker.patterns import glob_set, glob_to_regex

HOSTILE = "*a" * 8 + "*b"


def timed(fn: object, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - start) / repeat


def hostile() -> None:
    backtracking = re.compile(glob_to_regex(HOSTILE))
    linear = glob_set((HOSTILE,))
    print(f"hostile glob {HOSTILE!r} on n 'a's (no match):")
    for n in (16, 24, 32, 40):
        text = "a" * n
        t_re = timed(lambda text=text: backtracking.fullmatch(text))
        t_re2 = timed(lambda text=text: linear.match(text), repeat=200)
        print(f"  n={n:>3}: re {t_re * 1e3:10.2f} ms   RE2 {t_re2 * 1e6:8.2f} us   ratio re/RE2 {t_re / t_re2:12.0f}x")
    for n in (1_000, 10_000, 100_000):
        text = "a" * n
        t_re2 = timed(lambda text=text: linear.match(text), repeat=20)
        print(f"  n={n:>7}: RE2 {t_re2 * 1e6:10.1f} us ({t_re2 / n * 1e9:.1f} ns per character)")


def ordinary() -> None:
    globs = ("tests/**", "test/**", "**/*_test.go", "**/test_*.py", "**/*_test.py", "**/*.test.js", "**/src/test/**")
    paths = [f"services/s{i % 40}/pkg{i % 7}/module_{i}.py" for i in range(450)]
    paths += [f"tests/unit/test_m{i}.py" for i in range(50)]
    matcher = glob_set(globs)
    baseline = [re.compile(glob_to_regex(g)) for g in globs]
    t_re2 = timed(lambda: [matcher.match(p) for p in paths], repeat=50)
    t_re = timed(lambda: [any(r.fullmatch(p) for r in baseline) for p in paths], repeat=50)
    assert [matcher.match(p) for p in paths] == [any(r.fullmatch(p) for r in baseline) for p in paths]
    print("ordinary: 500 paths x 7 test globs")
    print(
        f"  RE2 {len(paths) / t_re2:12,.0f} paths/s   re {len(paths) / t_re:12,.0f} paths/s"
        f"   ratio RE2/re {t_re / t_re2:.2f}"
    )


if __name__ == "__main__":
    hostile()
    ordinary()
