"""A seeded sample shop, written out in every marketplace's export format."""
