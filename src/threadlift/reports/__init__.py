"""Printable documents (PDF, ReportLab): the marking sheet for the procedure day."""
