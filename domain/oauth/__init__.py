"""OAuth2 clients, authorization codes, refresh tokens and revocations."""
