"""Erasing a customer's personal data across every context, keeping the anonymous scores."""
