"""GraphQL of replies: drafts, the tone check's findings, submission, sending, move to
private and reactions."""
