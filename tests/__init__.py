"""The test suite: tiers unit/, integration/ and e2e/ (see conftest.py), the golden outputs
(golden/) and helpers shared by the tiers (support/)."""
