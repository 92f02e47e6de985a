"""Word lists and builders for the demo data set (`crm demo`) and synthetic sets
(`crm generate`). Everything is seeded, so the same seed gives the same data."""
