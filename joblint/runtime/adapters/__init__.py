"""Queue adapters: where ``perform_later`` sends a job."""
