"""GraphQL of teams, agent availability, automatic assignment and collision presence."""
