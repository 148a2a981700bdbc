#!/usr/bin/env python3
"""The container's entry point for the GitHub Action: all logic lives in checker.github.action."""

import os
import sys

from checker.github.action import main

if __name__ == "__main__":
    sys.exit(main(os.environ))
