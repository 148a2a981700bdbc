"""Read the start of a file at a commit through the contents API (for classifying changed files).

No checkout is needed to tell a Kubernetes manifest from a plain YAML config: the first bytes
decide (`checker.iac.classify`). A file that cannot be read yields None, which the classifier
treats as IaC (fail closed).
"""

from __future__ import annotations

from checker.github.collector import Collector
from checker.iac.classify import SNIFF_BYTES, Reader


def contents_reader(collector: Collector, repository: str) -> Reader:
    def read(path: str, sha: str) -> bytes | None:
        found = collector.read_file(repository, path, sha)
        if found.state != "present" or found.content is None:
            return None
        return found.content.encode("utf-8")[:SNIFF_BYTES]

    return read
