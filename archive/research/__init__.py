"""Research: the researcher's application and approval views."""
