"""Teams, agent availability and capacity, automatic assignment, collision presence."""
