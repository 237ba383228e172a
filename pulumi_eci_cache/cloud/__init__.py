"""I/O with the ECI service: credentials, signing, the client, pacing, polling, waiting."""
