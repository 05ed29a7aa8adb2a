"""Privacy: personal-information detection, redaction and its review."""
