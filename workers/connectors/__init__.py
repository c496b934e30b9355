"""Platform connectors: deliver replies through the documented platform APIs."""
