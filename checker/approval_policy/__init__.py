"""policy-bot's approval language inside changeproof: rules, and/or trees, disapproval, methods.

The semantics follow palantir/policy-bot at the commit named by `REFERENCE` (its README and
`policy/`, `pull/`), with changeproof's independence guarantees as the defaults every rule
keeps unless its options relax them. `spec` parses a validated policy section, `predicates`,
`methods` and `evaluate` are pure functions of the Facts, `importer` translates a `.policy.yml`.
"""

from __future__ import annotations

REFERENCE_COMMIT = "fc09d7a6bbe0e21327785496912e7eb39770ed93"
REFERENCE = f"palantir/policy-bot@{REFERENCE_COMMIT}"
