"""Client approvals in the GraphQL API: the queue, decisions and their audit trail."""
