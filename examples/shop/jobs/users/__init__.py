"""Jobs about user accounts."""
