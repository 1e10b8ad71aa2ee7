"""Negotiation protocols: alternating offers and the expected-utility forecasting model."""
