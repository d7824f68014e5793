"""Jobs that produce reports on a schedule."""
