"""The brand events calendar: campaigns, launches, price rises, outages, breach notices."""
