"""Service objects: where the app changes records and, once committed, enqueues jobs."""
