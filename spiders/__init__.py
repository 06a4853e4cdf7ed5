"""One thin module per site: where its articles are found, and its site profile."""
