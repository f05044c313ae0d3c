"""The Peppol standards as plain Python, with no Django import.

Identifier schemes and their check digits live here; so will UBL building and parsing,
validation with the official rules and SMP lookup.
"""
