"""A council's three statutory returns, written from a simulated run and read back from a
run's or a council's own files.

``csc-sim returns CONFIG --seed S [--replication K] --out DIR`` runs the config once (the
seed as ``csc-sim run`` takes it) and writes, under DIR:

- ``ssda903/<2018>/``: header.csv, episodes.csv, uasc.csv (``sim.returns.ssda903``; DfE's
  SSDA903 CSV format, 2024-25 specification), a folder per collection year named by the
  year it ends (2018 for 1 April 2017 to 31 March 2018), as the SSDA903 tools councils run
  read them;
- ``cin_census/<2018>/``: cin_census.xml, the census as the XML file a council submits
  (``sim.returns.cin_census``, ``sim.returns.cin_xml``; CIN census 2024-25 specification:
  children, their CIN episodes (referrals, closures and reasons), assessments, section 47
  enquiries, CIN plans and CP plans; its modules exported as CSV tables are read too);
- ``workforce_census/<2019>/``: csww_2019.xml, the census as the XML file a council submits
  (``sim.returns.workforce_census``, ``sim.returns.workforce_xml``; the children's social
  work workforce census, 2022 schema; its exported tables workers.csv and la_level.csv are
  read too);
- ``returns_about.md``: which specification each return follows, which years are partial,
  and every field the model does not have and what is written instead.

What the files hold is the model's: referrals (and those closed at the door), every spell
in assessment, on a CiN plan, on a CP plan or looked after (legal status and exit), dates of
birth and UASC status where the config gives ages, and every worker's spell (agency or not,
FTE, posts with or without cases, start, end and destination, in the ASYE or not on each
30 September),
with the council's vacancies and agency FTE on 30 September. What the model does not have
is filled in and said so: a child's sex is drawn 50/50 from a generator of its own
(``sim.returns.common.fill_in_rng``); codes with an "unknown" value use it (ethnicity not
yet obtained, referral source unknown); the rest is one documented value (category of
need N1, foster placement U6, category of abuse neglect) or left blank (UPN, postcodes).
The model has no section 47 stage: each CP plan's start is written with one section 47
enquiry and its initial conference.

:func:`sim.returns.read.read_returns` reads such a folder back into tidy tables with dates
(children, referrals, spells, episodes, workers, the council on 30 September), checking
every file; a bad or partial one raises :class:`sim.returns.errors.ReturnsError` naming the
file, row, column, value and rule. Written then read, a run gives back its recorded spells,
referrals and children to the day, and its workers as far as the censuses see them.
"""
