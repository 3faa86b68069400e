"""``credit_hold``: a customer whose open orders are blocked by credit.

The trigger is the engine's credit assessment: the customer is on hold, over its limit
or has an invoice overdue beyond the policy, and has at least one open order with the
``credit`` blocker. One finding per customer (the credit controller decides on the
account, not order by order); it is the root cause of those orders' risk.

The blocked customers with an open order are one mask over the kernel's credit
columns; every order of such a customer carries the credit blocker, so their orders
are the picture's orders grouped by customer, and their amounts and words are gathered
for all customers at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from controltower.detectors.base import (
    DetectorSettings,
    Finding,
    customer_subject,
    invoice_subject,
)
from controltower.detectors.columnar.bulk_text import day_texts, money_text
from controltower.detectors.columnar.context import ColumnarDetectionContext
from controltower.detectors.columnar.groups import sums_of
from controltower.detectors.columnar.parties import customer_phrases, tier_of_rank
from controltower.detectors.columnar.severity_ladder import ladder_ranks, severities
from controltower.domain.cases import ExceptionType, Severity
from controltower.domain.columnar import from_units
from controltower.domain.explain import credit_sentences
from controltower.domain.model import TIER_RANK, Tier
from controltower.domain.tables import I64

VALUE_BASIS = "open value of the customer's orders blocked by credit"


def blocked_order(*, order_id: str, promised: str, worth: str) -> str:
    """How one blocked order reads in the finding, also used by the
    oracle's reference detector."""
    return f"{order_id} promised {promised}, worth {worth}"


def explanation(
    *,
    customer: str,
    orders: int,
    worth: str,
    listed: str,
    rules: str,
    disputed: Sequence[str],
    account_owner: str | None,
) -> str:
    """The credit_hold wording, also used by the oracle's reference detector."""
    dispute = (
        f" Disputed invoices: {', '.join(disputed)}; settling them changes the picture."
        if disputed
        else ""
    )
    owner = f" (account owner: {account_owner})" if account_owner else ""
    return (
        f"{customer} has {orders} open order(s) worth {worth} blocked by credit: {listed}. "
        f"{rules}{dispute} Next: review the account{owner}: release the block with approval, "
        f"collect what is overdue, or agree revised dates with the customer."
    )


def detect(context: ColumnarDetectionContext, _settings: DetectorSettings) -> list[Finding]:
    """One finding per credit-blocked customer with open orders."""
    p, r, tables = context.picture, context.result, context.tables
    blocked = np.flatnonzero(r.credit.blocked[p.order_customer])
    if not blocked.size:
        return []
    blocked = blocked[np.argsort(p.order_customer[blocked], kind="stable")]
    owner = p.order_customer[blocked]
    start = np.append(np.flatnonzero(np.diff(owner)) + 1, blocked.shape[0])
    start = np.insert(start, 0, 0).astype(np.int64)
    customers = owner[start[:-1]].astype(np.int64)
    vocab = context.vocab_customer_of_picture_customer[customers]
    decimals = r.value_decimals
    amounts = np.empty(customers.shape[0], dtype=object)
    amounts[:] = sums_of(r.order_open_value[blocked], start)
    ranks = context.customer_tier_rank[vocab]
    raises = (ranks == TIER_RANK[Tier.STRATEGIC]).astype(np.int64)
    order_ids = context.code_array(p.order_ids)[blocked].tolist()
    listed = [
        blocked_order(order_id=o, promised=d, worth=money_text(int(v), decimals))
        for o, d, v in zip(
            order_ids,
            day_texts(p.order_promised[blocked]),
            r.order_open_value[blocked].tolist(),
            strict=True,
        )
    ]
    subjects = [context.order_subject(o) for o in order_ids]
    disputed = _disputed_invoices(context, vocab)
    block_days = context.allocation.overdue_days_block
    owners = tables.customers.account_owner
    findings: list[Finding] = []
    for c, v, (a, b), amount, severity, phrase, rank in zip(
        customers.tolist(),
        vocab.tolist(),
        itertools.pairwise(start.tolist()),
        amounts.tolist(),
        severities(ladder_ranks(context, amounts, decimals), Severity.MEDIUM, raises),
        customer_phrases(context, vocab),
        ranks.tolist(),
        strict=True,
    ):
        code = p.customer_codes[c]
        invoices = disputed.get(v, [])
        row = int(context.customer_row[v])
        findings.append(
            Finding(
                type=ExceptionType.CREDIT_HOLD,
                subject=customer_subject(code),
                severity=severity,
                value_at_risk=from_units(amount, decimals),
                value_basis=VALUE_BASIS,
                explanation=explanation(
                    customer=phrase,
                    orders=b - a,
                    worth=money_text(amount, decimals),
                    listed="; ".join(listed[a:b]),
                    rules=" ".join(credit_sentences(context.credit_assessment(c), block_days)),
                    disputed=invoices,
                    account_owner=owners[row] if row >= 0 else None,
                ),
                cause=customer_subject(code),
                related=tuple(sorted(subjects[a:b] + [invoice_subject(i) for i in invoices])),
                entities=(customer_subject(code),),
                company=context.company_of_customer(v),
                customer_tier=tier_of_rank(rank),
            )
        )
    return findings


def _disputed_invoices(context: ColumnarDetectionContext, customers: I64) -> dict[int, list[str]]:
    """The disputed invoices with a residual of each of ``customers`` (vocabulary ids),
    sorted by invoice id, keyed by customer."""
    invoices = context.tables.invoices
    wanted = np.zeros(len(context.tables.vocab.customers), dtype=np.bool_)
    wanted[customers] = True
    rows = np.flatnonzero(invoices.disputed & (invoices.amount_residual > 0))
    rows = rows[wanted[invoices.customer[rows]]]
    found: dict[int, list[str]] = {}
    for customer, invoice in zip(
        invoices.customer[rows].tolist(), invoices.invoice_id[rows].tolist(), strict=True
    ):
        found.setdefault(customer, []).append(invoice)
    return {customer: sorted(ids) for customer, ids in found.items()}
