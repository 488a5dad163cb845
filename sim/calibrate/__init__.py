"""A council config calibrated to the council's own statutory returns.

``csc-sim calibrate DIR --as-of DATE --template CONFIG --out council.yaml`` reads the
SSDA903, CIN census and workforce census files in DIR (``sim.returns.read``), keeps only
what they say up to DATE, and writes a complete council config starting the day after:

- ``inputs``: the returns as tidy tables (:class:`~sim.calibrate.inputs.ReturnsTables`),
  from a folder or from a run's recorder, checked row by row;
- ``demand``, ``pathway``, ``workforce``: the estimators (referrals with trend and
  seasonality, re-referral, ages and UASC arrivals; outcome and step shares, stage
  durations and looked-after routes; leaving by tenure, the ASYE, recruitment and agency);
- ``survival``: durations with censoring and left truncation, and the cure model of
  re-referral (lifelines); ``estimate``: a value with its return, window and 95% interval;
- ``build``: the config, each value commented with where it came from; ``yaml_text``: the
  commented YAML.
"""
