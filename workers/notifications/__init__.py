"""Senders of notifications: the adapters of `domain.notifications` ports."""
