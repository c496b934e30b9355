"""Q&A knowledge base and tone guidelines in the GraphQL API."""
