"""Clients of the external services onboarding talks to: the KvK register and Entra ID."""
