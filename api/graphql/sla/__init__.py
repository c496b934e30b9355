"""GraphQL of SLA policies, conversation SLA and the brand events calendar."""
