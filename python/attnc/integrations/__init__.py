"""Integrations of attnc with other libraries (attnc.integrations.transformers)."""
