"""Integrations: cases kept in the helpdesks and CRMs teams work in (Zendesk first)."""
