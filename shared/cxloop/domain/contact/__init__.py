"""Reaching customers with manners: the contact policy, messages, sending surveys and reminders, opt-
out and suppression."""
