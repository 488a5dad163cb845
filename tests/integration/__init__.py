"""Simulations of the synthetic council and small experiments (marker ``integration``)."""
