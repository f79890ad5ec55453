"""The use cases: every action a member of staff can take, as a function with a typed command in and a
typed result or view out. The JSON API, the web pages and the command line call these and only
translate (HTTP or a form in, JSON or HTML out); the types they show come from :mod:`.types`."""
