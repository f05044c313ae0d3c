"""The onboarding app's forms, one module per part of the portal."""
