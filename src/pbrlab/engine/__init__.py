"""The weekly simulation: participants, providers and payments, week by week."""
