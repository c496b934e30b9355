"""Replies that go out: drafts, approval when required, delivery, move to private, reactions."""
