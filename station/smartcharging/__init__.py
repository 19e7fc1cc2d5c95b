"""Smart Charging (Part 2 block K): charging profiles, the composite schedule, limits."""
