"""Customers: the customer table, RFM segments, behavioural and custom tags."""
