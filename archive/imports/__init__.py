"""Bulk import of a collection from a manifest (CSV or .xlsx): read, validate, import."""
