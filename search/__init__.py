"""Full-text search adapters: OpenSearch for services, SQLite FTS5 for the embedded default.

Both implement `domain.shared.ports.SearchIndex`; `search.factory.create_search_index`
picks one from configuration.
"""
