"""Outbound webhooks (Standard Webhooks): subscriptions, safe destinations, signatures, the events
other contexts announce and their delivery with retries (docs/ARCHITECTURE.md, Bounded contexts)."""
