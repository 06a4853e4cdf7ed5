"""What the tests and the benchmark both need (real pages with their truth, a generated news site,
the benchmark's targets), so that neither imports from the other."""
