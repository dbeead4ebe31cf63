"""The report: the stored sessions as one HTML file (facts.py reads them, plots.py draws, html.py
writes the page)."""
