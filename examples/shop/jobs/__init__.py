"""Background jobs: one ``<Verb><Noun>Job`` per module, namespaces as sub-packages."""
