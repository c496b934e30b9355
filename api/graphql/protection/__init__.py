"""Abuse protection for the GraphQL schema: document limits, cost and rate limits."""
