"""Incidents: bursts of similar posts about a brand that triage groups, in the API."""
