"""Outbox senders that are not tied to a chat channel plugin (console / log)."""
