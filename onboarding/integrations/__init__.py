"""Guided setups of the documented integrations (one module each) and their runs."""
