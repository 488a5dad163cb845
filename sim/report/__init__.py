"""What leadership and analysts read, made from a saved results folder: the charts
(``charts``), the self-contained ``report.html`` (``html``), ``slides.pptx`` (``slides``)
and the assumptions gathered from the experiment and its configs (``assumptions``).
"""
