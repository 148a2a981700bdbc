"""Deployments traced to approved changes (CC8.1: was what ran in production approved?).

Two steps, kept apart on purpose:
- `shipped` (facts, from git): which first-parent commits a deployment shipped, its baseline
  (the previous deployment to the environment), whether it is a rollback or off the default branch;
- `judge` (a judgement, from the ledger alone): each shipped commit mapped to its merge record
  (seq, entry hash, verdict) or to an exception, and whether the deployment is `traced`.

`traced` is never read from a record or a claim: the record job and the export both recompute it
from the ledger's merge records with `judge`.
"""

from checker.deploy.judge import judge_all
from checker.deploy.ledger_index import LedgerIndex
from checker.deploy.model import Approval, Change, Deployment, ReleaseApproval, Shipment, TracedDeployment
from checker.deploy.shipped import ship

__all__ = [
    "Approval",
    "Change",
    "Deployment",
    "LedgerIndex",
    "ReleaseApproval",
    "Shipment",
    "TracedDeployment",
    "judge_all",
    "ship",
]
