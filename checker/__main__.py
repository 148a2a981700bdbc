"""`python -m checker` runs the changeproof CLI."""

from checker.cli import main

main()
