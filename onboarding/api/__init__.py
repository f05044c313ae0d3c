"""The native API for ERP software, and the legacy API31 SOAP endpoint of 4PS Business Central."""
