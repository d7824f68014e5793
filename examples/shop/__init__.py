"""A small shop whose background work runs on joblint's runtime: the app `joblint check`
is shown on first, written the way the rules ask (see README.md)."""
