"""Churn: who is slipping away, why, and what to do; backtested on the shop's own history."""
