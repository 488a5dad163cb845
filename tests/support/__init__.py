"""Helpers shared by the test tiers: small experiments, results folders, config mutations."""
