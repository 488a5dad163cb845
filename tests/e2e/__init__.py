"""The shipped configs and experiments, England, notebooks, Chromium, Dask, signals and the
compiled core (marker ``e2e``)."""
