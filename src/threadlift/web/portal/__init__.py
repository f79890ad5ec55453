"""The patient portal under /portal: its own session cookie, CSRF key, routes and templates.

Nothing here reads the staff session (cookie ``threadlift_session`` or a bearer token), and nothing of
the staff site reads the portal's cookie: the two kinds of session cannot cross.
"""
