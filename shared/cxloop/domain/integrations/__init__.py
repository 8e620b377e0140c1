"""Integrations with the systems a company already runs: outbound webhooks (Standard Webhooks:
subscriptions, safe destinations, signatures, the events other contexts announce and their
delivery with retries) and cases kept in the helpdesks and CRMs teams work in (Zendesk first)
(docs/ARCHITECTURE.md, Bounded contexts)."""
