"""Presenting `tokenforge.metrics.evaluate` results: the summary (shared by the terminal and HTML), plots, and a
self-contained HTML report."""

from tokenforge.report.html import render_html, write_html

__all__ = ["render_html", "write_html"]
