"""The clinic web pages, one module per part of the pathway (see :mod:`threadlift.web.site`)."""
