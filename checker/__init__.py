"""changeproof: pre-merge change-management controls with a signed evidence ledger."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("changeproof")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
