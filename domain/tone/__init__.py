"""Tone of voice: the brand's guidelines checked against a draft reply, and the variation check."""
