"""act stage."""
