"""What leadership and analysts read, made from a saved results folder: the charts
(``charts``), the self-contained ``report.html`` (``html``), ``slides.pptx`` (``slides``,
its native charts and tables in ``pptx_charts``, its titles in ``slide_titles``)
and the assumptions gathered from the experiment and its configs (``assumptions``).
"""
