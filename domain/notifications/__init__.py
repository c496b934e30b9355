"""E-mail notifications: the sending port and the composition of messages (no I/O)."""
