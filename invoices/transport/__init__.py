"""How a queued document reaches its receiver: inside the platform, or over Peppol AS4."""
