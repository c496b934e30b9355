"""Q&A knowledge base: entries, search documents and suggestions."""
